# PY-NET-004: connects with a network protocol client
import ftplib  # expect: PY-NET-001
import smtplib  # expect: PY-NET-001
import telnetlib  # expect: PY-NET-001
ftplib.FTP("ftp.example.com")  # expect: PY-NET-004
smtplib.SMTP("mail")  # expect: PY-NET-004
telnetlib.Telnet("host")  # expect: PY-NET-004
# negatives
ftplib.error_perm
mail.SMTP

/*
 * The Python rules: ids, categories, severities, messages and hints, and the tables of calls,
 * imports and attribute names that trigger them. Adding a dangerous call is one table line.
 *
 * Ids are PY-<FAMILY>-NNN and never change meaning (allow_rules in users' configs name them).
 * Severity scale: critical = runs arbitrary commands or hidden code; high = a dangerous operation
 * the sandbox will refuse; medium = a capability worth knowing about; low = probably harmless.
 */
#include <string.h>

#include "analysis/python-rules.h"

#define RULE(var, id_, cat, sev, msg, hnt)                                                         \
    const struct sbx__rule var = {                                                                 \
        .id = id_, .category = cat, .severity = SBX_SEVERITY_##sev, .message = msg, .hint = hnt}

#define EXEC "command_execution"
#define FS "filesystem"
#define NET "network"
#define IMP "dangerous_import"
#define EVAL "dynamic_eval"
#define OBF "obfuscation"

static RULE(exec_shell_call, "PY-EXEC-001", EXEC, CRITICAL, "runs a shell command",
            "call the library function you need instead of a shell; there is no shell or host "
            "binary inside the sandbox");
static RULE(exec_process, "PY-EXEC-002", EXEC, HIGH, "replaces the program or starts another one",
            "do the work in Python; other programs are not available inside the sandbox");
static RULE(exec_subprocess, "PY-EXEC-003", EXEC, HIGH, "starts a subprocess",
            "do the work in Python; other programs are not available inside the sandbox");
RULE(sbx__py_exec_shell, "PY-EXEC-004", EXEC, CRITICAL, "starts a subprocess through the shell",
     "pass an argument list without shell=True, or better do the work in Python");
static RULE(exec_fork, "PY-EXEC-005", EXEC, MEDIUM, "forks the process",
            "use threads or asyncio; the sandbox caps the number of processes");

RULE(sbx__py_fs_read, "PY-FS-001", FS, HIGH, "reads a file outside the allowed paths",
     "read files under the working directory or /tmp, or add the path to allowed_paths");
RULE(sbx__py_fs_write, "PY-FS-002", FS, CRITICAL,
     "writes, removes or changes a file outside the allowed paths",
     "write under the working directory or /tmp, or add the path to allowed_paths as PATH:rw");
RULE(sbx__py_fs_destructive, "PY-FS-003", FS, MEDIUM,
     "removes, moves or changes permissions of files at a computed path",
     "make sure the path stays under the working directory or /tmp");

static RULE(net_import, "PY-NET-001", NET, MEDIUM, "imports a network module", SBX_HINT_NO_NETWORK);
static RULE(net_socket, "PY-NET-002", NET, HIGH, "opens a network socket or resolves a host",
            SBX_HINT_NO_NETWORK);
static RULE(net_http, "PY-NET-003", NET, HIGH, "makes an HTTP request",
            "bundle the data with the program, or enable the network in the policy");
static RULE(net_protocol, "PY-NET-004", NET, HIGH,
            "connects with a network protocol client (FTP, SMTP, Telnet, POP, IMAP, XML-RPC)",
            SBX_HINT_NO_NETWORK);
static RULE(net_asyncio, "PY-NET-005", NET, HIGH, "opens an asyncio network connection or server",
            SBX_HINT_NO_NETWORK);

static RULE(import_commands, "PY-IMPORT-001", IMP, MEDIUM,
            "imports a module that runs other programs",
            "do the work in Python; other programs are not available inside the sandbox");
static RULE(import_native, "PY-IMPORT-002", IMP, HIGH, "loads native code (ctypes, cffi)",
            "native code bypasses Python-level checks; use a pure-Python package");
RULE(sbx__py_import_dynamic, "PY-IMPORT-003", IMP, MEDIUM,
     "imports a module whose name is computed at run time",
     "use a plain import statement so the module is known before the run");
static RULE(import_deserialize, "PY-IMPORT-004", IMP, HIGH,
            "deserialises data that can run code (pickle, marshal, shelve)",
            "use json or another data-only format for untrusted data");
RULE(sbx__py_import_star, "PY-IMPORT-005", IMP, MEDIUM,
     "star-imports a module with dangerous functions",
     "import the names you use explicitly (from os import path)");

RULE(sbx__py_eval_computed, "PY-EVAL-001", EVAL, HIGH, "evaluates code built at run time",
     "parse data with json or ast.literal_eval instead of eval/exec");
RULE(sbx__py_eval_constant, "PY-EVAL-002", EVAL, LOW, "evaluates a constant string",
     "write the code directly instead of passing it to eval/exec");
static RULE(eval_compile, "PY-EVAL-003", EVAL, MEDIUM, "compiles code at run time",
            "write the code directly; compile() and code.* are rarely needed");
static RULE(eval_run_file, "PY-EVAL-004", EVAL, HIGH, "runs another Python file or module",
            "import the module normally");

RULE(sbx__py_obf_getattr, "PY-OBF-001", OBF, MEDIUM,
     "looks up an attribute by a name computed at run time",
     "use the attribute directly (obj.name) so the analysis can see it");
RULE(sbx__py_obf_builtins, "PY-OBF-002", OBF, HIGH, "reaches the builtins namespace directly",
     "call builtins by their names; __builtins__ tricks hide what is called");
RULE(sbx__py_obf_internals, "PY-OBF-003", OBF, HIGH,
     "walks interpreter internals (a known sandbox-escape pattern)",
     "__globals__, __subclasses__, __code__ and frame attributes are not needed by normal code");
RULE(sbx__py_obf_decoded, "PY-OBF-004", OBF, CRITICAL, "executes decoded or assembled code",
     "do not run code hidden in encoded strings");
RULE(sbx__py_obf_namespace, "PY-OBF-005", OBF, MEDIUM,
     "looks up a name through a namespace dictionary",
     "use the name directly; globals()[...], vars()[...] and sys.modules[...] hide what is used");
RULE(sbx__py_obf_too_deep, "PY-OBF-007", OBF, HIGH,
     "is nested too deeply or too complex to analyse reliably",
     "no valid Python program nests this deep (CPython allows 200 brackets); it was analysed in "
     "pieces or not at all, so findings may be missing");
RULE(sbx__py_obf_getattr_module, "PY-OBF-006", OBF, HIGH,
     "looks up an attribute of a dangerous module by a computed name",
     "call the function directly so the analysis can see it");

const struct sbx__rule *const sbx__py_rules[] = {
    &exec_shell_call,
    &exec_process,
    &exec_subprocess,
    &sbx__py_exec_shell,
    &exec_fork,
    &sbx__py_fs_read,
    &sbx__py_fs_write,
    &sbx__py_fs_destructive,
    &net_import,
    &net_socket,
    &net_http,
    &net_protocol,
    &net_asyncio,
    &import_commands,
    &import_native,
    &sbx__py_import_dynamic,
    &import_deserialize,
    &sbx__py_import_star,
    &sbx__py_eval_computed,
    &sbx__py_eval_constant,
    &eval_compile,
    &eval_run_file,
    &sbx__py_obf_getattr,
    &sbx__py_obf_builtins,
    &sbx__py_obf_internals,
    &sbx__py_obf_decoded,
    &sbx__py_obf_namespace,
    &sbx__py_obf_getattr_module,
    &sbx__py_obf_too_deep,
};
const size_t sbx__py_n_rules = sizeof(sbx__py_rules) / sizeof(sbx__py_rules[0]);

/* Calls. File calls have no rule: the literal path (or its absence) picks PY-FS-001..003. */
static const struct py_call_rule calls[] = {
    {"os.system", &exec_shell_call, PY_ARGS_NONE, false},
    {"posix.system", &exec_shell_call, PY_ARGS_NONE, false},
    {"os.popen*", &exec_shell_call, PY_ARGS_NONE, false},
    {"commands.getoutput", &exec_shell_call, PY_ARGS_NONE, false},
    {"commands.getstatusoutput", &exec_shell_call, PY_ARGS_NONE, false},
    {"subprocess.getoutput", &sbx__py_exec_shell, PY_ARGS_NONE, false},
    {"subprocess.getstatusoutput", &sbx__py_exec_shell, PY_ARGS_NONE, false},
    {"asyncio.create_subprocess_shell", &sbx__py_exec_shell, PY_ARGS_NONE, false},
    {"os.exec*", &exec_process, PY_ARGS_NONE, false},
    {"os.spawn*", &exec_process, PY_ARGS_NONE, false},
    {"os.posix_spawn*", &exec_process, PY_ARGS_NONE, false},
    {"posix.exec*", &exec_process, PY_ARGS_NONE, false},
    {"pty.spawn", &exec_process, PY_ARGS_NONE, false},
    {"subprocess.Popen", &exec_subprocess, PY_ARGS_SHELL, false},
    {"subprocess.run", &exec_subprocess, PY_ARGS_SHELL, false},
    {"subprocess.call", &exec_subprocess, PY_ARGS_SHELL, false},
    {"subprocess.check_call", &exec_subprocess, PY_ARGS_SHELL, false},
    {"subprocess.check_output", &exec_subprocess, PY_ARGS_SHELL, false},
    {"asyncio.create_subprocess_exec", &exec_subprocess, PY_ARGS_NONE, false},
    {"os.fork", &exec_fork, PY_ARGS_NONE, false},
    {"os.forkpty", &exec_fork, PY_ARGS_NONE, false},
    {"pty.fork", &exec_fork, PY_ARGS_NONE, false},

    {"open", NULL, PY_ARGS_OPEN, false},
    {"io.open", NULL, PY_ARGS_OPEN, false},
    {"codecs.open", NULL, PY_ARGS_OPEN, false},
    {"os.open", NULL, PY_ARGS_OS_OPEN, false},
    {"os.listdir", NULL, PY_ARGS_READ0, false},
    {"os.scandir", NULL, PY_ARGS_READ0, false},
    {"os.walk", NULL, PY_ARGS_READ0, false},
    {"os.readlink", NULL, PY_ARGS_READ0, false},
    {"shutil.copy", NULL, PY_ARGS_READ0_W1, false},
    {"shutil.copy2", NULL, PY_ARGS_READ0_W1, false},
    {"shutil.copyfile", NULL, PY_ARGS_READ0_W1, false},
    {"shutil.copytree", NULL, PY_ARGS_READ0_W1, false},
    {"os.remove", NULL, PY_ARGS_WRITE0, true},
    {"os.unlink", NULL, PY_ARGS_WRITE0, true},
    {"os.rmdir", NULL, PY_ARGS_WRITE0, true},
    {"os.removedirs", NULL, PY_ARGS_WRITE0, true},
    {"os.truncate", NULL, PY_ARGS_WRITE0, true},
    {"os.chmod", NULL, PY_ARGS_WRITE0, true},
    {"os.lchmod", NULL, PY_ARGS_WRITE0, true},
    {"os.chown", NULL, PY_ARGS_WRITE0, true},
    {"os.lchown", NULL, PY_ARGS_WRITE0, true},
    {"os.chroot", NULL, PY_ARGS_WRITE0, true},
    {"shutil.rmtree", NULL, PY_ARGS_WRITE0, true},
    {"shutil.chown", NULL, PY_ARGS_WRITE0, true},
    {"os.mkdir", NULL, PY_ARGS_WRITE0, false},
    {"os.makedirs", NULL, PY_ARGS_WRITE0, false},
    {"os.mkfifo", NULL, PY_ARGS_WRITE0, false},
    {"os.mknod", NULL, PY_ARGS_WRITE0, false},
    {"os.utime", NULL, PY_ARGS_WRITE0, false},
    {"os.rename", NULL, PY_ARGS_WRITE01, true},
    {"os.renames", NULL, PY_ARGS_WRITE01, true},
    {"os.replace", NULL, PY_ARGS_WRITE01, true},
    {"shutil.move", NULL, PY_ARGS_WRITE01, true},
    {"os.symlink", NULL, PY_ARGS_WRITE1, false},
    {"os.link", NULL, PY_ARGS_WRITE1, false},

    {"socket.socket", &net_socket, PY_ARGS_NONE, false},
    {"socket.create_connection", &net_socket, PY_ARGS_NONE, false},
    {"socket.create_server", &net_socket, PY_ARGS_NONE, false},
    {"socket.getaddrinfo", &net_socket, PY_ARGS_NONE, false},
    {"socket.gethostbyname", &net_socket, PY_ARGS_NONE, false},
    {"socket.gethostbyname_ex", &net_socket, PY_ARGS_NONE, false},
    {"socket.fromfd", &net_socket, PY_ARGS_NONE, false},
    {"urllib.request.urlopen", &net_http, PY_ARGS_NONE, false},
    {"urllib.request.urlretrieve", &net_http, PY_ARGS_NONE, false},
    {"urllib.request.build_opener", &net_http, PY_ARGS_NONE, false},
    {"urllib.urlopen", &net_http, PY_ARGS_NONE, false},
    {"urllib.urlretrieve", &net_http, PY_ARGS_NONE, false},
    {"urllib2.urlopen", &net_http, PY_ARGS_NONE, false},
    {"urllib3.*", &net_http, PY_ARGS_NONE, false},
    {"http.client.HTTPConnection", &net_http, PY_ARGS_NONE, false},
    {"http.client.HTTPSConnection", &net_http, PY_ARGS_NONE, false},
    {"httplib.HTTPConnection", &net_http, PY_ARGS_NONE, false},
    {"httplib.HTTPSConnection", &net_http, PY_ARGS_NONE, false},
    {"requests.*", &net_http, PY_ARGS_NONE, false},
    {"httpx.*", &net_http, PY_ARGS_NONE, false},
    {"aiohttp.ClientSession", &net_http, PY_ARGS_NONE, false},
    {"aiohttp.request", &net_http, PY_ARGS_NONE, false},
    {"ftplib.FTP", &net_protocol, PY_ARGS_NONE, false},
    {"ftplib.FTP_TLS", &net_protocol, PY_ARGS_NONE, false},
    {"smtplib.SMTP", &net_protocol, PY_ARGS_NONE, false},
    {"smtplib.SMTP_SSL", &net_protocol, PY_ARGS_NONE, false},
    {"smtplib.LMTP", &net_protocol, PY_ARGS_NONE, false},
    {"telnetlib.Telnet", &net_protocol, PY_ARGS_NONE, false},
    {"poplib.POP3", &net_protocol, PY_ARGS_NONE, false},
    {"poplib.POP3_SSL", &net_protocol, PY_ARGS_NONE, false},
    {"imaplib.IMAP4", &net_protocol, PY_ARGS_NONE, false},
    {"imaplib.IMAP4_SSL", &net_protocol, PY_ARGS_NONE, false},
    {"nntplib.NNTP", &net_protocol, PY_ARGS_NONE, false},
    {"xmlrpc.client.ServerProxy", &net_protocol, PY_ARGS_NONE, false},
    {"xmlrpclib.ServerProxy", &net_protocol, PY_ARGS_NONE, false},
    {"asyncio.open_connection", &net_asyncio, PY_ARGS_NONE, false},
    {"asyncio.start_server", &net_asyncio, PY_ARGS_NONE, false},
    {"asyncio.open_unix_connection", &net_asyncio, PY_ARGS_NONE, false},
    {"asyncio.start_unix_server", &net_asyncio, PY_ARGS_NONE, false},

    {"ctypes.CDLL", &import_native, PY_ARGS_NONE, false},
    {"ctypes.cdll.LoadLibrary", &import_native, PY_ARGS_NONE, false},
    {"ctypes.PyDLL", &import_native, PY_ARGS_NONE, false},
    {"cffi.FFI", &import_native, PY_ARGS_NONE, false},
    {"__import__", &sbx__py_import_dynamic, PY_ARGS_DYN_IMPORT, false},
    {"importlib.import_module", &sbx__py_import_dynamic, PY_ARGS_DYN_IMPORT, false},
    {"importlib.__import__", &sbx__py_import_dynamic, PY_ARGS_DYN_IMPORT, false},
    {"imp.load_source", &sbx__py_import_dynamic, PY_ARGS_NONE, false},
    {"imp.load_module", &sbx__py_import_dynamic, PY_ARGS_NONE, false},
    {"importlib.util.spec_from_file_location", &sbx__py_import_dynamic, PY_ARGS_NONE, false},
    {"importlib.machinery.SourceFileLoader", &sbx__py_import_dynamic, PY_ARGS_NONE, false},
    {"pickle.load", &import_deserialize, PY_ARGS_NONE, false},
    {"pickle.loads", &import_deserialize, PY_ARGS_NONE, false},
    {"pickle.Unpickler", &import_deserialize, PY_ARGS_NONE, false},
    {"cPickle.load", &import_deserialize, PY_ARGS_NONE, false},
    {"cPickle.loads", &import_deserialize, PY_ARGS_NONE, false},
    {"_pickle.load", &import_deserialize, PY_ARGS_NONE, false},
    {"_pickle.loads", &import_deserialize, PY_ARGS_NONE, false},
    {"marshal.load", &import_deserialize, PY_ARGS_NONE, false},
    {"marshal.loads", &import_deserialize, PY_ARGS_NONE, false},
    {"shelve.open", &import_deserialize, PY_ARGS_NONE, false},
    {"dill.load", &import_deserialize, PY_ARGS_NONE, false},
    {"dill.loads", &import_deserialize, PY_ARGS_NONE, false},
    {"yaml.unsafe_load", &import_deserialize, PY_ARGS_NONE, false},

    {"eval", &sbx__py_eval_computed, PY_ARGS_EVAL, false},
    {"exec", &sbx__py_eval_computed, PY_ARGS_EVAL, false},
    {"compile", &eval_compile, PY_ARGS_COMPILE, false},
    {"code.interact", &eval_compile, PY_ARGS_NONE, false},
    {"code.compile_command", &eval_compile, PY_ARGS_COMPILE, false},
    {"code.InteractiveInterpreter", &eval_compile, PY_ARGS_NONE, false},
    {"code.InteractiveConsole", &eval_compile, PY_ARGS_NONE, false},
    {"codeop.compile_command", &eval_compile, PY_ARGS_COMPILE, false},
    {"codeop.Compile", &eval_compile, PY_ARGS_NONE, false},
    {"codeop.CommandCompiler", &eval_compile, PY_ARGS_NONE, false},
    {"types.CodeType", &eval_compile, PY_ARGS_NONE, false},
    {"types.FunctionType", &eval_compile, PY_ARGS_NONE, false},
    {"execfile", &eval_run_file, PY_ARGS_NONE, false},
    {"runpy.run_path", &eval_run_file, PY_ARGS_NONE, false},
    {"runpy.run_module", &eval_run_file, PY_ARGS_NONE, false},

    {"getattr", NULL, PY_ARGS_GETATTR, false},
    {"setattr", NULL, PY_ARGS_GETATTR, false},
    {"delattr", NULL, PY_ARGS_GETATTR, false},
    {"sys._getframe", &sbx__py_obf_internals, PY_ARGS_NONE, false},
    {"inspect.currentframe", &sbx__py_obf_internals, PY_ARGS_NONE, false},
    {"gc.get_referrers", &sbx__py_obf_internals, PY_ARGS_NONE, false},
    {"gc.get_objects", &sbx__py_obf_internals, PY_ARGS_NONE, false},
};

/* First components of every name above (sorted for bsearch-free linear scan: it is short). */
static const char *const roots[] = {
    "__import__", "_pickle",    "aiohttp",   "asyncio",   "cPickle",   "cffi",    "code",
    "codecs",     "codeop",     "commands",  "compile",   "ctypes",    "delattr", "dill",
    "eval",       "exec",       "execfile",  "ftplib",    "gc",        "getattr", "http",
    "httplib",    "httpx",      "imaplib",   "imp",       "importlib", "inspect", "io",
    "marshal",    "nntplib",    "open",      "os",        "pickle",    "poplib",  "posix",
    "pty",        "requests",   "runpy",     "setattr",   "shelve",    "shutil",  "smtplib",
    "socket",     "subprocess", "sys",       "telnetlib", "types",     "urllib",  "urllib2",
    "urllib3",    "xmlrpc",     "xmlrpclib", "yaml",
};

bool sbx__py_is_dangerous_root(const char *root, size_t len)
{
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
        if (strlen(roots[i]) == len && !memcmp(roots[i], root, len))
            return true;
    return false;
}

static bool name_matches(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return !strncmp(pattern, name, n - 1);
    return !strcmp(pattern, name);
}

const struct py_call_rule *sbx__py_call_rule(const char *q)
{
    if (!strncmp(q, "builtins.", 9))
        q += 9;
    else if (!strncmp(q, "__builtins__.", 13))
        q += 13;
    const char *dot = strchr(q, '.');
    if (!sbx__py_is_dangerous_root(q, dot ? (size_t)(dot - q) : strlen(q)))
        return NULL;
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        if (name_matches(calls[i].name, q))
            return &calls[i];
    return NULL;
}

/* Imports: a module name matches an entry equal to it or to one of its parents. */
static const struct {
    const char *module;
    const struct sbx__rule *rule;
} imports[] = {
    {"subprocess", &import_commands}, {"pty", &import_commands},    {"commands", &import_commands},
    {"popen2", &import_commands},     {"ctypes", &import_native},   {"_ctypes", &import_native},
    {"cffi", &import_native},         {"socket", &net_import},      {"socketserver", &net_import},
    {"urllib.request", &net_import},  {"urllib2", &net_import},     {"urllib3", &net_import},
    {"http.client", &net_import},     {"http.server", &net_import}, {"httplib", &net_import},
    {"requests", &net_import},        {"httpx", &net_import},       {"aiohttp", &net_import},
    {"ftplib", &net_import},          {"smtplib", &net_import},     {"telnetlib", &net_import},
    {"poplib", &net_import},          {"imaplib", &net_import},     {"nntplib", &net_import},
    {"xmlrpc.client", &net_import},   {"xmlrpclib", &net_import},   {"paramiko", &net_import},
    {"websocket", &net_import},       {"websockets", &net_import},
};

const struct sbx__rule *sbx__py_import_rule(const char *module)
{
    for (size_t i = 0; i < sizeof(imports) / sizeof(imports[0]); i++) {
        size_t n = strlen(imports[i].module);
        if (!strncmp(module, imports[i].module, n) && (module[n] == '\0' || module[n] == '.'))
            return imports[i].rule;
    }
    return NULL;
}

bool sbx__py_is_internal_attr(const char *name, size_t len)
{
    static const char *const attrs[] = {
        "__globals__", "__subclasses__", "__code__",     "__bases__",        "__base__",
        "__mro__",     "__closure__",    "__builtins__", "__getattribute__", "f_globals",
        "f_locals",    "f_builtins",     "f_back",       "f_code",           "gi_frame",
        "gi_code",     "cr_frame",       "tb_frame",     "co_code",          "func_globals",
    };
    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
        if (strlen(attrs[i]) == len && !memcmp(attrs[i], name, len))
            return true;
    return false;
}

bool sbx__py_is_decoder(const char *q)
{
    static const char *const decoders[] = {
        "base64.*",
        "binascii.*",
        "codecs.decode",
        "codecs.encode",
        "zlib.decompress",
        "bz2.decompress",
        "lzma.decompress",
        "gzip.decompress",
        "bytes.fromhex",
        "bytearray.fromhex",
        "chr",
        "bytes",
        "bytearray",
        "reversed",
    };
    for (size_t i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
        if (name_matches(decoders[i], q))
            return true;
    return false;
}

;; hello.wat: a WASI preview1 command that prints a greeting with fd_write.
;;   rusty-sandbox run examples/hello.wat
;; (rusty-sandbox assembles it with wabt's wat2wasm inside the sandbox before running it.)
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; the iovec {buf = 16, len = 24} at 0, the text at 16
  (data (i32.const 0) "\10\00\00\00\18\00\00\00")
  (data (i32.const 16) "hello from webassembly!\0a")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))

;; declares 10 pages of initial memory (640 KiB), no maximum
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 10)
  (func (export "_start")
    (call $exit (i32.const 0))))

;; A shared memory (threads): initial 1, maximum 4 pages.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1 4 shared)
  (func (export "_start")))

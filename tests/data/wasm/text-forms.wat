;; Text-format forms the analyser must read like wat2wasm does: string escapes in names, inline
;; imports of every kind, memory64 and shared memories, hex and underscored limits, inline data.
(module $m
  (type $t (func (param i32)))
  (import "wasi_snapshot_preview1" "path_\72ename" (func $r (type $t)))
  (func $x (export "x") (import "wasi_unstable" "sock_send") (type $t))
  (memory $mm (export "m") (import "env" "mem") i32 2 5)
  (table (import "env" "t") 1 funcref)
  (global $g (import "env" "g") (mut i32))
  (tag (import "env" "e") (param i32))
  (func (import "wasix_32v1" "proc_fork"))
  (import "wasi" "thread-spawn" (func (param i32) (result i32)))
  (import "env" "mem2" (memory 7))
  (import "env" "mem3" (memory i64 1 0x10 shared))
  (memory $d i64 (data "hello" "\00\01"))
  (memory 4 60_000)
  (memory 1 10 shared))

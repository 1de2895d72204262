;; imports names that an object's prototype has: refused as unknown, never resolved to them
(module
  (import "wasi_snapshot_preview1" "constructor" (func $c))
  (import "__proto__" "toString" (func $t))
  (memory (export "memory") 1)
  (func (export "_start") (call $c) (call $t)))

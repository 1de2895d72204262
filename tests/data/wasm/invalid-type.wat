;; assembles (wat2wasm --no-check) but does not validate: _start leaves an i32 on the stack
(module
  (memory (export "memory") 1)
  (func (export "_start") (i32.const 1)))

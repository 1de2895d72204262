(module
  (memory (export "memory") 1)
  (type $void (func))
  (type $int (func (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (func $f (result i32) (i32.const 1))
  (func (export "_start")
    (call_indirect (type $void) (i32.const 0))))

;; 300 initial pages (18.75 MiB), no maximum: above a 256-page policy cap.
(module
  (memory (export "memory") 300)
  (func (export "_start")))

;; text format
(module (import "env" "f" (func)) (memory 1))

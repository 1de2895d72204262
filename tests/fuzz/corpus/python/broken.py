def f(:
  (((

#!/usr/bin/env python3
"""Write a realistic JavaScript file of about N lines (default 10,000) to stdout, for timing the
JavaScript analyser: requires, classes with methods, arrow functions, template strings, async
code, destructuring, object literals, comments, and a dangerous block every 50 blocks.
Deterministic (seeded). Usage: python3 bench/gen-javascript.py [LINES] > file.js"""
import random
import sys

BLOCKS = []


def block(fn):
    BLOCKS.append(fn)
    return fn


@block
def func(i, r):
    return f"""// helper {i}: sums the values that pass the filter
function helper{i}(items, limit = {r.randint(1, 99)}) {{
  let total = 0;
  for (const item of items) {{
    if (item.value > limit && !item.skip) {{
      total += item.value * {r.randint(2, 9)};
    }} else {{
      total -= 1;
    }}
  }}
  return total;
}}
"""


@block
def klass(i, r):
    return f"""class Widget{i} extends Base {{
  constructor(name, opts = {{}}) {{
    super(name);
    this.name = name;
    this.opts = {{ ...opts, id: {i}, tags: ['a', 'b', `w-${{name}}`] }};
  }}
  render() {{
    return `<div class="w{i}">${{this.name}}: ${{this.opts.tags.join(', ')}}</div>`;
  }}
  static create(list) {{
    return list.map((x, k) => new Widget{i}(`${{x}}-${{k}}`)).filter(Boolean);
  }}
}}
"""


@block
def arrows(i, r):
    return f"""const pipeline{i} = (data) => data
  .filter((d) => d.ok && d.score >= {r.randint(0, 50)})
  .map(({{ id, score }}) => ({{ id, score: score / 2, label: `item ${{id}}` }}))
  .reduce((acc, cur) => acc + cur.score, 0);
"""


@block
def asyncfn(i, r):
    return f"""async function load{i}(client, url) {{
  const res = await client.get(`${{url}}/items/{i}?page=${{1}}`);
  const {{ items = [], next }} = res.body;
  /* a block comment with eval("x") and require('child_process') inside */
  console.log("loaded", items.length, 'eval', next);
  return items;
}}
"""


@block
def requires(i, r):
    mods = ['path', 'util', 'events', 'assert', 'url', 'crypto', 'zlib', 'os', 'stream']
    m = r.choice(mods)
    return f"""const {m}{i} = require('{m}');
const {{ join: join{i} }} = require('node:path');
"""


@block
def obj(i, r):
    return f"""const config{i} = {{
  name: 'service-{i}',
  retries: {r.randint(1, 5)},
  nested: {{ a: [1, 2, 3], b: {{ c: null, d: undefined, e: /re{i}+/g }} }},
  handler(event) {{ return model.eval(event.input) || my_exec_plan(event); }},
}};
"""


@block
def danger(i, r):
    return f"""if (process.env.DEBUG_{i}) {{
  const {{ execSync }} = require('child_process');
  execSync(`echo ${{JSON.stringify(config{i % 7})}}`);
  require('fs').readFileSync('/etc/hostname', 'utf8');
}}
"""


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    r = random.Random(42)
    out, lines, i = ["'use strict';\n"], 1, 0
    while lines < n:
        # dangerous blocks are rare, like in real code
        fn = danger if i % 50 == 49 else BLOCKS[i % (len(BLOCKS) - 1)]
        text = fn(i, r)
        out.append(text)
        lines += text.count('\n')
        i += 1
    sys.stdout.write(''.join(out))


if __name__ == '__main__':
    main()

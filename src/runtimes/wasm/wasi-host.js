/*
 * rusty-sandbox: the WASI preview1 host for the node engine (src/runtimes/wasm.c).
 *
 * Written here rather than on node:wasi, which is experimental, returns wrong errno values in
 * places, ignores lookup flags, and is documented as not being a security boundary. This host
 * is not the boundary either: it runs inside the sandbox (namespaces, Landlock, seccomp, cgroup),
 * which is. What it adds is WASI done right: the module sees exactly the arguments, environment
 * and preopened directories it was given, and no path lookup ever leaves its preopen.
 *
 * How it is started (wasm.c builds the command line; the script is embedded in the binary at
 * build time and passed with `node -e`, so the program cannot change it):
 *     node -e <this script> -- <config JSON> <module path inside /work> [args...]
 * The config: {"name": guest argv[0], "env": ["K=V"...], "preopens": [{"guest", "host", "ro"}],
 * "max_pages": N (0: none), "growth": bool}.
 *
 * Path resolution (resolve()): component by component below the preopen's host directory; `..`
 * pops a component and is refused with ENOTCAPABLE above the preopen; every intermediate
 * component is lstat'ed; a symlink is expanded only when relative (an absolute target, or one
 * that climbs above the preopen, is ENOTCAPABLE), at most 40 of them (ELOOP); the last component
 * is followed only with LOOKUP_SYMLINK_FOLLOW, else opened with O_NOFOLLOW. A NUL byte in a
 * path is EINVAL and a path that is not UTF-8 is EILSEQ (as wasmtime). Absolute guest paths are
 * the guest's business: wasi-libc maps them onto the preopen named "/" (the workspace), so
 * "/etc/passwd" means <workspace>/etc/passwd.
 *
 * Memory limits: V8 has no API to cap a module-defined memory, so the module's memory section
 * (and memory imports) are rewritten before compiling: maximum = min(declared, max_pages), or
 * the initial size when growth is disabled (memory.grow then returns -1). A module whose initial
 * memory is already above max_pages is refused before it starts.
 *
 * Exit protocol with wasm.c (parsed from the run's result, see wasm.c):
 *   - proc_exit(n) exits n for n < 126; larger codes are refused as wasmtime does, so the two
 *     codes below can only come from this host;
 *   - a trap: "rusty-sandbox: wasm trap: KIND: message" as the last line of stderr, exit 134;
 *   - a module refused before it runs (not valid, .wat that does not assemble, memory above the
 *     cap, unknown import, no _start): "rusty-sandbox: wasm rejected: KIND: message", exit 135.
 *   The program can write the same text to stderr but cannot choose these exit codes, and the
 *   host's own line is always the last one; at worst a program misreports its own failure.
 *   - a bug in this host: "rusty-sandbox: wasm host error: <stack>", exit 70.
 *
 * Descriptors: stdio are the process's own; a file is one host descriptor read and written at
 * the position kept here (Node has no lseek), with O_APPEND emulated by writing at the end;
 * a directory holds no host descriptor at all and is used by path, so node's own 19
 * descriptors plus the module's open files are all a run needs.
 *
 * poll_oneoff waits as the spec (and wasmtime) say: until one subscription is ready or the
 * earliest clock fires. Clocks (relative, or absolute against their own clock id) sleep with
 * Atomics.wait; fd_read/fd_write subscriptions on files and stdout/stderr are ready at once
 * (nbytes: the bytes left to read in a file); an unknown fd is an event with EBADF, an unknown
 * clock id one with EINVAL, an unknown subscription tag or no subscription at all fails the
 * call with EINVAL. Stdin (host fd 0, whatever number the guest has renumbered it to) is
 * really waited for, through the stdin reader below. Sockets are not offered (sock_* return
 * ENOTSUP / EBADF).
 *
 * The stdin reader: this host runs synchronously on Node's main thread (the module's code
 * never yields to the event loop), so it cannot wait on libuv, and Node offers no poll(2).
 * The first poll_oneoff that subscribes fd_read on stdin starts one worker_threads Worker that
 * owns fd 0 from then on: it reads fd 0 (see stdinReader for how) into a SharedArrayBuffer
 * ring of 64 KiB (when the ring is full the worker waits for room and stops reading, so
 * little more than that is read ahead), then sets the EOF flag or a read error's errno. Every
 * change bumps a sequence cell and wakes the waiter (Atomics.notify), so poll_oneoff waits
 * with Atomics.wait on that cell, bounded by the earliest clock, for "bytes, EOF or error".
 * From then on fd_read on stdin takes its bytes from the ring (waiting while it is empty, 0
 * at EOF): every byte the worker read reaches the guest, in order, once. Before that first
 * poll, fd_read on stdin reads fd 0 directly, and a run that never polls stdin starts no
 * thread at all. The event for stdin carries nbytes = the bytes in the ring (>= 1 when ready
 * by data) and fd_readwrite_hangup once EOF was seen; a read error is the event's error. If
 * the worker cannot be created (no thread left under the task limit), stdin is reported ready
 * at once and read directly, as before. The worker is unref'ed, terminated before
 * process.exit, and never blocked in read(2) on a pipe, so it cannot keep the run alive.
 * Limits: a poll that also has a subscription ready at once (a file, stdout) does not wait
 * and reports stdin only if the worker has already seen bytes or EOF; a worker that dies
 * while starting (its isolate failing to initialise) cannot be noticed from here: a poll
 * then waits for its clock and a read of stdin for the run's timeout.
 */
'use strict';
const fs = require('fs');
/* child_process (for .wat) is loaded only when needed, and random bytes come from /dev/urandom
 * rather than require('crypto'): each of those costs Node several ms at start. */

const E = {
    SUCCESS: 0, '2BIG': 1, ACCES: 2, AGAIN: 6, BADF: 8, BUSY: 10, EXIST: 20, FAULT: 21, FBIG: 22,
    ILSEQ: 25, INTR: 27, INVAL: 28, IO: 29, ISDIR: 31, LOOP: 32, MFILE: 33, MLINK: 34,
    NAMETOOLONG: 37, NFILE: 41, NODEV: 43, NOENT: 44, NOMEM: 48, NOSPC: 51, NOSYS: 52,
    NOTDIR: 54, NOTEMPTY: 55, NOTSUP: 58, NOTTY: 59, NXIO: 60, OVERFLOW: 61, PERM: 63, PIPE: 64,
    RANGE: 68, ROFS: 69, SPIPE: 70, TXTBSY: 74, XDEV: 75, NOTCAPABLE: 76,
};
const FT = { UNKNOWN: 0, BLOCK: 1, CHAR: 2, DIR: 3, FILE: 4, SYMLINK: 7 };
const FDFLAGS = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 };
const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 };
const LOOKUP_FOLLOW = 1;
const R = (n) => 1n << BigInt(n);
const RIGHT = {
    FD_READ: R(1), FD_SEEK: R(2), FD_TELL: R(5), FD_WRITE: R(6), FD_ALLOCATE: R(8),
    FD_READDIR: R(14), FD_FILESTAT_SET_SIZE: R(22),
    STDIO: R(3) | R(21) | R(27), /* fdstat_set_flags, filestat_get, poll_fd_readwrite */
};
const ALL_RIGHTS = (1n << 30n) - 1n;
const WRITE_RIGHTS = RIGHT.FD_WRITE | RIGHT.FD_ALLOCATE | RIGHT.FD_FILESTAT_SET_SIZE;
const EXIT_TRAP = 134, EXIT_REJECTED = 135, EXIT_INTERNAL = 70;
const MAX_SYMLINKS = 40, MAX_PATH = 4096, MAX_IOVS = 1024;
const C = fs.constants;

class WasiExit { constructor(code) { this.code = code; } }
class WasiError { constructor(errno) { this.errno = errno; } }
class Rejected { constructor(kind, msg) { this.kind = kind; this.msg = msg; } }

function fail(errno) { throw new WasiError(errno); }

/* Host errors (Node's err.code) to WASI errno. Anything that is not a system error (a
 * stack overflow inside a host call, a bug here) is rethrown: a trap or a host error, never a
 * made-up errno. */
function errnoOf(e) {
    if (e instanceof WasiError) return e.errno;
    const code = e && e.code;
    if (typeof code !== 'string') throw e;
    if (code.startsWith('ERR_')) return E.INVAL; /* Node refused a value the guest chose */
    const alias = { EWOULDBLOCK: 'AGAIN', EOPNOTSUPP: 'NOTSUP', EDQUOT: 'NOSPC' };
    const k = alias[code] || code.slice(1);
    return k in E ? E[k] : E.IO;
}

function writeErr(text) {
    const b = Buffer.from(text);
    if (b.length) lastErrByte = b[b.length - 1];
    for (let off = 0; off < b.length;) {
        try { off += fs.writeSync(2, b, off, b.length - off); }
        catch (e) { if (e.code === 'EAGAIN') { sleepMs(1); continue; } return; }
    }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms) { if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms); }

/* CLOCK_REALTIME with nanosecond steps: the wall clock at start plus the monotonic clock. */
const realBase = BigInt(Date.now()) * 1000000n - process.hrtime.bigint();
function realtimeNs() { return realBase + process.hrtime.bigint(); }

/* The WASI clock `id` now in ns (process and thread CPU time are both the process's), or null
 * for an unknown id. */
function clockNow(id) {
    if (id === 0) return realtimeNs();
    if (id === 1) return process.hrtime.bigint();
    if (id === 2 || id === 3) {
        const u = process.cpuUsage();
        return BigInt(u.user + u.system) * 1000n;
    }
    return null;
}

/* The last byte written to stderr, so the host's final line starts on a line of its own. */
let lastErrByte = 0x0a;

/* ---- the module: checks and memory limits, before compiling ---- */

class Reader {
    constructor(buf, pos, end) { this.b = buf; this.p = pos; this.end = end; }
    byte() {
        if (this.p >= this.end) throw new Rejected('invalid_module', 'unexpected end of module');
        return this.b[this.p++];
    }
    u32() {
        let v = 0, shift = 0;
        for (let i = 0; i < 5; i++) {
            const c = this.byte();
            v += (c & 0x7f) * 2 ** shift;
            if (!(c & 0x80)) {
                if (v > 0xffffffff) break;
                return v;
            }
            shift += 7;
        }
        throw new Rejected('invalid_module', 'malformed LEB128 integer at offset ' + this.p);
    }
    skip(n) {
        if (n > this.end - this.p) throw new Rejected('invalid_module', 'section runs past its end');
        this.p += n;
    }
}

function leb(v) {
    const out = [];
    do {
        let c = v % 128;
        v = Math.floor(v / 128);
        if (v) c |= 0x80;
        out.push(c);
    } while (v);
    return out;
}

/* Read one `limits` at r and return {flags, min, max, bytes: [start, end)}. */
function readLimits(r) {
    const start = r.p, flags = r.byte();
    if (flags > 3) throw new Rejected('invalid_module', 'memory64 or unknown memory limits flag ' + flags);
    const min = r.u32();
    const max = flags & 1 ? r.u32() : null;
    return { flags, min, max, start, end: r.p };
}

/* New limits bytes for a memory under the policy; throws Rejected if it cannot start. */
function capLimits(lim, cfg, what) {
    const cap = cfg.max_pages || 0;
    if (cap && lim.min > cap)
        throw new Rejected('memory_limit', `${what} declares ${lim.min} initial pages of 64 KiB, ` +
            `above max_memory_pages = ${cap}`);
    let max = lim.max;
    if (cap) max = max === null ? cap : Math.min(max, cap);
    if (!cfg.growth) max = lim.min;
    if (max === lim.max) return null;
    return [0x01 | (lim.flags & 2), ...leb(lim.min), ...leb(max)];
}

/* Rewrite memory limits in the import (2) and memory (5) sections. Returns the new bytes and
 * the memory imports ({module, name, initial, maximum}). */
function limitMemory(bytes, cfg) {
    if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100)
        throw new Rejected('invalid_module', 'not a WebAssembly binary (no \\0asm magic)');
    if (bytes.readUInt32LE(4) !== 1)
        throw new Rejected('invalid_module', 'unsupported binary version ' + bytes.readUInt32LE(4));
    const edits = [], imports = [];
    const r = new Reader(bytes, 8, bytes.length);
    let nmem = 0;
    while (r.p < r.end) {
        const id = r.byte(), size = r.u32(), start = r.p;
        r.skip(size);
        const s = new Reader(bytes, start, start + size);
        if (id === 2) {
            const n = s.u32();
            for (let i = 0; i < n; i++) {
                const mod = readName(s);
                const name = readName(s);
                const kind = s.byte();
                if (kind === 0) s.u32();
                else if (kind === 1) { s.byte(); readLimits(s); }
                else if (kind === 3) { s.byte(); s.byte(); }
                else if (kind === 4) { s.byte(); s.u32(); }
                else if (kind === 2) {
                    const lim = readLimits(s);
                    const nb = capLimits(lim, cfg, `memory import "${mod}"."${name}"`);
                    if (nb) edits.push({ start: lim.start, end: lim.end, bytes: nb });
                    const maxOf = nb ? new Reader(Buffer.from(nb), 0, nb.length) : null;
                    let maximum = lim.max;
                    if (maxOf) { maxOf.byte(); maxOf.u32(); maximum = maxOf.u32(); }
                    imports.push({ module: mod, name, initial: lim.min, maximum,
                                   shared: !!(lim.flags & 2) });
                    nmem++;
                } else throw new Rejected('invalid_module', 'unknown import kind ' + kind);
            }
        } else if (id === 5) {
            const n = s.u32();
            for (let i = 0; i < n; i++) {
                const lim = readLimits(s);
                const nb = capLimits(lim, cfg, `memory ${nmem}`);
                if (nb) edits.push({ start: lim.start, end: lim.end, bytes: nb, section: start });
                nmem++;
            }
        }
    }
    if (!edits.length) return { bytes, imports };
    return { bytes: applyEdits(bytes, edits), imports };
}

function readName(s) {
    const n = s.u32();
    const start = s.p;
    s.skip(n);
    return s.b.toString('utf8', start, start + n);
}

/* Splice the edits (in file order) in and fix the sizes of the sections they are in; linear in
 * the module's size whatever the number of sections and edits. */
function applyEdits(bytes, edits) {
    const out = [];
    const r = new Reader(bytes, 8, bytes.length);
    out.push(bytes.subarray(0, 8));
    let ei = 0;
    while (r.p < r.end) {
        const id = r.byte(), size = r.u32(), start = r.p;
        r.skip(size);
        const mine = [];
        while (ei < edits.length && edits[ei].end <= start + size) mine.push(edits[ei++]);
        if (!mine.length) {
            out.push(Buffer.from([id, ...leb(size)]), bytes.subarray(start, start + size));
            continue;
        }
        const parts = [];
        let at = start;
        for (const e of mine) {
            parts.push(bytes.subarray(at, e.start), Buffer.from(e.bytes));
            at = e.end;
        }
        parts.push(bytes.subarray(at, start + size));
        const body = Buffer.concat(parts);
        out.push(Buffer.from([id, ...leb(body.length)]), body);
    }
    return Buffer.concat(out);
}

/* .wat is assembled by wabt inside the sandbox; its errors name the .wat line. */
function assemble(file) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    const dir = file.slice(0, file.lastIndexOf('/')) || '/';
    const r = require('child_process').spawnSync('/usr/bin/wat2wasm', [base, '--output=-'], {
        cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024, env: {},
    });
    if (r.error)
        throw new Rejected('wat_error', `cannot run /usr/bin/wat2wasm (package wabt): ${r.error.message}`);
    if (r.status !== 0) {
        writeErr(r.stderr.toString());
        throw new Rejected('wat_error', `does not assemble (wat2wasm exit ${r.status}; its errors are above)`);
    }
    return r.stdout;
}

/* ---- file descriptors ---- */

class Fd {
    constructor(o) { Object.assign(this, { pos: 0n, fdflags: 0, dirents: null }, o); }
}

class Host {
    constructor(cfg, args) {
        this.cfg = cfg;
        this.args = args.map((a) => Buffer.from(a + '\0'));
        this.env = (cfg.env || []).map((a) => Buffer.from(a + '\0'));
        this.fds = new Map();
        this.memory = null;
        this.stdinRing = undefined; /* StdinRing once started, null if it cannot be */
        const stdio = (n, rights) => new Fd({ kind: 'stdio', host: n, inherit: 0n,
                                              rights: rights | RIGHT.STDIO });
        this.fds.set(0, stdio(0, RIGHT.FD_READ));
        this.fds.set(1, stdio(1, RIGHT.FD_WRITE));
        this.fds.set(2, stdio(2, RIGHT.FD_WRITE));
        let n = 3;
        /* Directories hold no host descriptor: every operation on them goes by path (checked
         * by resolve()), which keeps the host within the max_open_files that suits node. */
        for (const p of cfg.preopens || []) {
            if (!fs.statSync(p.host).isDirectory()) throw new Error(`preopen ${p.host}: not a directory`);
            const hostFd = -1;
            /* A read-only preopen keeps every right (wasi-libc asks for the inheriting ones);
             * writing is refused at path_open with EROFS, and the bind is read-only anyway. */
            this.fds.set(n++, new Fd({ kind: 'dir', host: hostFd, path: p.host, root: p.host,
                                       preopen: Buffer.from(p.guest), ro: !!p.ro,
                                       rights: ALL_RIGHTS, inherit: ALL_RIGHTS }));
        }
    }

    view() { return new DataView(this.memory.buffer); }
    u8() { return new Uint8Array(this.memory.buffer); }
    check(ptr, len) {
        if (ptr + len > this.memory.buffer.byteLength) fail(E.FAULT);
    }
    fd(n, kind) {
        const f = this.fds.get(n);
        if (!f) fail(E.BADF);
        if (kind === 'dir' && f.kind !== 'dir') fail(E.NOTDIR);
        if (kind === 'nodir' && f.kind === 'dir') fail(E.ISDIR);
        return f;
    }
    nextFd() {
        for (let n = 3; n < 1 << 20; n++) if (!this.fds.has(n)) return n;
        fail(E.MFILE);
    }

    /* A guest path string from memory; NUL is EINVAL, non-UTF-8 is EILSEQ. */
    path(ptr, len) {
        if (len > MAX_PATH) fail(E.NAMETOOLONG);
        this.check(ptr, len);
        const raw = Buffer.from(this.u8().subarray(ptr, ptr + len));
        if (raw.includes(0)) fail(E.INVAL);
        const s = raw.toString('utf8');
        if (!Buffer.from(s).equals(raw)) fail(E.ILSEQ);
        return s;
    }

    /* Resolve `p` below directory fd `dir`: the host path, never outside dir.root. */
    resolve(dir, p, follow) {
        if (p.length === 0) fail(E.NOENT);
        if (p.startsWith('/')) fail(E.NOTCAPABLE);
        const base = dir.path.slice(dir.root.length).split('/').filter((c) => c);
        const stack = [...base];
        let rest = p.split('/');
        const trailingSlash = p.endsWith('/');
        let links = 0;
        while (rest.length) {
            const c = rest.shift();
            if (c === '' || c === '.') continue;
            if (c === '..') {
                if (!stack.length) fail(E.NOTCAPABLE);
                stack.pop();
                continue;
            }
            const isLast = !rest.some((x) => x !== '' && x !== '.');
            const host = joinHost(dir.root, [...stack, c]);
            if (isLast && !follow && !trailingSlash) { stack.push(c); break; }
            let st;
            try { st = fs.lstatSync(host); } catch (e) {
                if (e.code === 'ENOENT' && isLast) { stack.push(c); break; }
                fail(errnoOf(e));
            }
            if (st.isSymbolicLink()) {
                if (++links > MAX_SYMLINKS) fail(E.LOOP);
                const target = fs.readlinkSync(host);
                if (target.startsWith('/')) fail(E.NOTCAPABLE);
                rest = target.split('/').concat(rest);
                if (rest.length > MAX_PATH) fail(E.NAMETOOLONG); /* keeps the walk bounded */
                if (isLast && trailingSlash) rest.push('');
                continue;
            }
            if (!isLast && !st.isDirectory()) fail(E.NOTDIR);
            stack.push(c);
        }
        return joinHost(dir.root, stack) + (trailingSlash ? '/' : '');
    }

    mem(ptr, len) {
        this.check(ptr, len);
        return Buffer.from(this.memory.buffer, ptr, len);
    }
    iovs(ptr, n) {
        if (n > MAX_IOVS) fail(E.INVAL);
        this.check(ptr, n * 8);
        const v = this.view(), out = [];
        for (let i = 0; i < n; i++) {
            const buf = v.getUint32(ptr + i * 8, true), len = v.getUint32(ptr + i * 8 + 4, true);
            out.push(this.mem(buf, len));
        }
        return out;
    }
}

function joinHost(root, comps) {
    return comps.length ? root.replace(/\/$/, '') + '/' + comps.join('/') : root;
}

function fileType(st) {
    if (st.isFile()) return FT.FILE;
    if (st.isDirectory()) return FT.DIR;
    if (st.isSymbolicLink()) return FT.SYMLINK;
    if (st.isCharacterDevice()) return FT.CHAR;
    if (st.isBlockDevice()) return FT.BLOCK;
    return FT.UNKNOWN;
}

function writeFilestat(v, ptr, st) {
    v.setBigUint64(ptr, BigInt(st.dev), true);
    v.setBigUint64(ptr + 8, BigInt(st.ino), true);
    v.setUint8(ptr + 16, fileType(st));
    for (let i = 17; i < 24; i++) v.setUint8(ptr + i, 0);
    v.setBigUint64(ptr + 24, BigInt(st.nlink), true);
    v.setBigUint64(ptr + 32, BigInt(st.size), true);
    v.setBigUint64(ptr + 40, BigInt(st.atimeNs), true);
    v.setBigUint64(ptr + 48, BigInt(st.mtimeNs), true);
    v.setBigUint64(ptr + 56, BigInt(st.ctimeNs), true);
}

/* Blocking read/write on stdio that tolerates a non-blocking pipe. */
function ioRetry(fn) {
    for (;;) {
        try { return fn(); } catch (e) {
            if (e.code === 'EAGAIN') { sleepMs(1); continue; }
            if (e.code === 'EOF') return 0;
            throw e;
        }
    }
}

/* ---- the preview1 functions ---- */

function makeImports(h) {
    const wrap = (fn) => (...a) => {
        try { return fn(...a) || 0; } catch (e) {
            if (e instanceof WasiExit) throw e;
            return errnoOf(e);
        }
    };
    const strings = (list, ptrs, buf) => {
        const v = h.view();
        h.check(ptrs, list.length * 4);
        h.check(buf, list.reduce((n, b) => n + b.length, 0));
        for (const b of list) {
            v.setUint32(ptrs, buf, true);
            h.u8().set(b, buf);
            ptrs += 4;
            buf += b.length;
        }
    };
    const sizes = (list, countPtr, sizePtr) => {
        h.check(countPtr, 4); h.check(sizePtr, 4);
        h.view().setUint32(countPtr, list.length, true);
        h.view().setUint32(sizePtr, list.reduce((n, b) => n + b.length, 0), true);
    };
    const clockNs = (id) => {
        const t = clockNow(id);
        if (t === null) fail(E.INVAL);
        return t;
    };
    const readInto = (f, bufs, pos) => {
        if (h.stdinRing && isStdin(f)) return h.stdinRing.read(bufs);
        let total = 0;
        for (const b of bufs) {
            if (!b.length) continue;
            const n = f.kind === 'stdio'
                ? ioRetry(() => fs.readSync(f.host, b, 0, b.length, null))
                : fs.readSync(f.host, b, 0, b.length, pos + BigInt(total));
            total += n;
            if (n < b.length) break;
        }
        return total;
    };
    const writeFrom = (f, bufs, pos) => {
        let total = 0;
        for (const b of bufs) {
            for (let off = 0; off < b.length;) {
                const n = f.kind === 'stdio'
                    ? ioRetry(() => fs.writeSync(f.host, b, off, b.length - off))
                    : fs.writeSync(f.host, b, off, b.length - off, Number(pos) + total);
                if (f.host === 2 && f.kind === 'stdio' && n > 0) lastErrByte = b[off + n - 1];
                off += n;
                total += n;
            }
        }
        return total;
    };
    const needRight = (f, r) => { if (!(f.rights & r)) fail(E.NOTCAPABLE); };
    const setTimes = (set, st, atim, mtim, flags) => {
        if ((flags & 1 && flags & 2) || (flags & 4 && flags & 8)) fail(E.INVAL);
        const now = Date.now() / 1000;
        const a = flags & 1 ? Number(atim) / 1e9 : flags & 2 ? now : Number(st.atimeNs) / 1e9;
        const m = flags & 4 ? Number(mtim) / 1e9 : flags & 8 ? now : Number(st.mtimeNs) / 1e9;
        set(a, m);
    };

    const w = {
        args_get: (argv, buf) => strings(h.args, argv, buf),
        args_sizes_get: (c, s) => sizes(h.args, c, s),
        environ_get: (env, buf) => strings(h.env, env, buf),
        environ_sizes_get: (c, s) => sizes(h.env, c, s),
        clock_res_get: (id, ptr) => {
            if (id > 3) fail(E.INVAL);
            h.check(ptr, 8);
            h.view().setBigUint64(ptr, id === 0 ? 1000n : 1n, true);
        },
        clock_time_get: (id, _prec, ptr) => {
            const t = clockNs(id);
            h.check(ptr, 8);
            h.view().setBigUint64(ptr, t, true);
        },
        fd_advise: (fd) => { h.fd(fd, 'nodir'); },
        fd_allocate: (fd, off, len) => {
            const f = h.fd(fd, 'nodir');
            needRight(f, RIGHT.FD_ALLOCATE);
            if (f.kind === 'stdio') fail(E.SPIPE);
            const st = fs.fstatSync(f.host, { bigint: true });
            if (off + len > st.size) fs.ftruncateSync(f.host, Number(off + len));
        },
        fd_close: (fd) => {
            const f = h.fd(fd);
            if (f.kind === 'file') fs.closeSync(f.host);
            h.fds.delete(fd);
        },
        fd_datasync: (fd) => { const f = h.fd(fd); if (f.kind === 'file') fs.fdatasyncSync(f.host); },
        fd_sync: (fd) => { const f = h.fd(fd); if (f.kind === 'file') fs.fsyncSync(f.host); },
        fd_fdstat_get: (fd, ptr) => {
            const f = h.fd(fd);
            h.check(ptr, 24);
            const v = h.view();
            let ft = FT.DIR;
            if (f.kind !== 'dir') ft = fileType(fs.fstatSync(f.host));
            v.setUint8(ptr, ft);
            v.setUint8(ptr + 1, 0);
            v.setUint16(ptr + 2, f.fdflags, true);
            v.setUint32(ptr + 4, 0, true);
            v.setBigUint64(ptr + 8, f.rights, true);
            v.setBigUint64(ptr + 16, f.inherit, true);
        },
        fd_fdstat_set_flags: (fd, flags) => {
            const f = h.fd(fd);
            if (flags & ~(FDFLAGS.APPEND | FDFLAGS.NONBLOCK)) fail(E.NOTSUP);
            f.fdflags = flags;
        },
        fd_fdstat_set_rights: (fd, base, inherit) => {
            const f = h.fd(fd);
            if ((base & ~f.rights) || (inherit & ~f.inherit)) fail(E.NOTCAPABLE);
            f.rights = base;
            f.inherit = inherit;
        },
        fd_filestat_get: (fd, ptr) => {
            const f = h.fd(fd);
            h.check(ptr, 64);
            writeFilestat(h.view(), ptr, f.kind === 'dir' ? fs.statSync(f.path, { bigint: true })
                                                          : fs.fstatSync(f.host, { bigint: true }));
        },
        fd_filestat_set_size: (fd, size) => {
            const f = h.fd(fd, 'nodir');
            needRight(f, RIGHT.FD_FILESTAT_SET_SIZE);
            if (size > BigInt(Number.MAX_SAFE_INTEGER)) fail(E.FBIG);
            fs.ftruncateSync(f.host, Number(size));
        },
        fd_filestat_set_times: (fd, atim, mtim, flags) => {
            const f = h.fd(fd);
            if (f.kind === 'dir') {
                const st = fs.statSync(f.path, { bigint: true });
                setTimes((a, m) => fs.utimesSync(f.path, a, m), st, atim, mtim, flags);
                return;
            }
            const st = fs.fstatSync(f.host, { bigint: true });
            setTimes((a, m) => fs.futimesSync(f.host, a, m), st, atim, mtim, flags);
        },
        fd_pread: (fd, iovs, n, off, ret) => {
            const f = h.fd(fd, 'nodir');
            needRight(f, RIGHT.FD_READ);
            if (f.kind === 'stdio') fail(E.SPIPE);
            const got = readInto(f, h.iovs(iovs, n), off);
            h.check(ret, 4);
            h.view().setUint32(ret, got, true);
        },
        fd_pwrite: (fd, iovs, n, off, ret) => {
            const f = h.fd(fd, 'nodir');
            needRight(f, RIGHT.FD_WRITE);
            if (f.kind === 'stdio') fail(E.SPIPE);
            const put = writeFrom(f, h.iovs(iovs, n), off);
            h.check(ret, 4);
            h.view().setUint32(ret, put, true);
        },
        fd_read: (fd, iovs, n, ret) => {
            const f = h.fd(fd, 'nodir');
            needRight(f, RIGHT.FD_READ);
            const got = readInto(f, h.iovs(iovs, n), f.pos);
            if (f.kind !== 'stdio') f.pos += BigInt(got);
            h.check(ret, 4);
            h.view().setUint32(ret, got, true);
        },
        fd_write: (fd, iovs, n, ret) => {
            const f = h.fd(fd, 'nodir');
            needRight(f, RIGHT.FD_WRITE);
            if (f.kind !== 'stdio' && f.fdflags & FDFLAGS.APPEND)
                f.pos = fs.fstatSync(f.host, { bigint: true }).size;
            const put = writeFrom(f, h.iovs(iovs, n), f.pos);
            if (f.kind !== 'stdio') f.pos += BigInt(put);
            h.check(ret, 4);
            h.view().setUint32(ret, put, true);
        },
        fd_prestat_get: (fd, ptr) => {
            const f = h.fd(fd);
            if (!f.preopen) fail(E.BADF);
            h.check(ptr, 8);
            h.view().setUint32(ptr, 0, true);
            h.view().setUint32(ptr + 4, f.preopen.length, true);
        },
        fd_prestat_dir_name: (fd, ptr, len) => {
            const f = h.fd(fd);
            if (!f.preopen) fail(E.BADF);
            if (len < f.preopen.length) fail(E.NAMETOOLONG);
            h.check(ptr, f.preopen.length);
            h.u8().set(f.preopen, ptr);
        },
        fd_readdir: (fd, buf, len, cookie, ret) => {
            const f = h.fd(fd, 'dir');
            needRight(f, RIGHT.FD_READDIR);
            h.check(buf, len); h.check(ret, 4);
            if (cookie === 0n || !f.dirents) f.dirents = listDir(f.path);
            const v = h.view(), u8 = h.u8();
            let used = 0;
            for (let i = Number(cookie); i < f.dirents.length && used < len; i++) {
                const d = f.dirents[i];
                const head = Buffer.alloc(24);
                head.writeBigUInt64LE(BigInt(i + 1), 0);
                head.writeBigUInt64LE(d.ino, 8);
                head.writeUInt32LE(d.name.length, 16);
                head.writeUInt8(d.type, 20);
                const ent = Buffer.concat([head, d.name]);
                const n = Math.min(ent.length, len - used);
                u8.set(ent.subarray(0, n), buf + used);
                used += n;
            }
            v.setUint32(ret, used, true);
        },
        fd_renumber: (from, to) => {
            const f = h.fd(from);
            const t = h.fd(to);
            if (from === to) return;
            if (t.kind === 'file') fs.closeSync(t.host);
            h.fds.set(to, f);
            h.fds.delete(from);
        },
        fd_seek: (fd, off, whence, ret) => {
            const f = h.fd(fd);
            if (f.kind === 'dir') fail(E.BADF);
            if (f.kind === 'stdio') fail(E.SPIPE);
            let base;
            if (whence === 0) base = 0n;
            else if (whence === 1) base = f.pos;
            else if (whence === 2) base = fs.fstatSync(f.host, { bigint: true }).size;
            else fail(E.INVAL);
            const pos = base + off;
            if (pos < 0n) fail(E.INVAL);
            f.pos = pos;
            h.check(ret, 8);
            h.view().setBigUint64(ret, pos, true);
        },
        fd_tell: (fd, ret) => {
            const f = h.fd(fd, 'nodir');
            if (f.kind === 'stdio') fail(E.SPIPE);
            h.check(ret, 8);
            h.view().setBigUint64(ret, f.pos, true);
        },
        path_create_directory: (fd, p, len) => {
            const d = h.fd(fd, 'dir');
            fs.mkdirSync(h.resolve(d, h.path(p, len), false), 0o755);
        },
        path_filestat_get: (fd, flags, p, len, ptr) => {
            const d = h.fd(fd, 'dir');
            const follow = !!(flags & LOOKUP_FOLLOW);
            const host = h.resolve(d, h.path(p, len), follow);
            h.check(ptr, 64);
            writeFilestat(h.view(), ptr, fs.lstatSync(host, { bigint: true }));
        },
        path_filestat_set_times: (fd, flags, p, len, atim, mtim, fst) => {
            const d = h.fd(fd, 'dir');
            const follow = !!(flags & LOOKUP_FOLLOW);
            const host = h.resolve(d, h.path(p, len), follow);
            const st = fs.lstatSync(host, { bigint: true });
            setTimes((a, m) => (follow ? fs.utimesSync : fs.lutimesSync)(host, a, m),
                     st, atim, mtim, fst);
        },
        path_link: (ofd, oflags, op, olen, nfd, np, nlen) => {
            const od = h.fd(ofd, 'dir'), nd = h.fd(nfd, 'dir');
            const src = h.resolve(od, h.path(op, olen), !!(oflags & LOOKUP_FOLLOW));
            const dst = h.resolve(nd, h.path(np, nlen), false);
            fs.linkSync(src, dst);
        },
        path_open: (fd, dirflags, p, len, oflags, base, inherit, fdflags, ret) => {
            const d = h.fd(fd, 'dir');
            const follow = !!(dirflags & LOOKUP_FOLLOW);
            const host = h.resolve(d, h.path(p, len), follow);
            const wantWrite = !!(base & WRITE_RIGHTS) || !!(oflags & OFLAGS.TRUNC);
            const wantRead = !!(base & (RIGHT.FD_READ | RIGHT.FD_READDIR));
            if (wantWrite && d.ro) fail(E.ROFS);
            let flags = C.O_NOFOLLOW | C.O_CLOEXEC;
            if (oflags & OFLAGS.CREAT) flags |= C.O_CREAT;
            if (oflags & OFLAGS.EXCL) flags |= C.O_EXCL;
            if (oflags & OFLAGS.TRUNC) flags |= C.O_TRUNC;
            if (oflags & OFLAGS.DIRECTORY) flags |= C.O_DIRECTORY;
            if (fdflags & FDFLAGS.NONBLOCK) flags |= C.O_NONBLOCK;
            if (fdflags & (FDFLAGS.SYNC | FDFLAGS.RSYNC)) flags |= C.O_SYNC;
            else if (fdflags & FDFLAGS.DSYNC) flags |= C.O_DSYNC;
            flags |= wantWrite ? (wantRead ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
            /* O_NOFOLLOW on a symlink: ELOOP as POSIX says; a directory opened for writing:
             * EISDIR; both come from open(2) itself. */
            let hfd = fs.openSync(host, flags, 0o644);
            const isDir = fs.fstatSync(hfd).isDirectory();
            if (isDir) { fs.closeSync(hfd); hfd = -1; } /* directories go by path */
            const n = h.nextFd();
            h.fds.set(n, new Fd({ kind: isDir ? 'dir' : 'file', host: hfd,
                                  path: host.replace(/\/$/, ''), root: d.root, ro: d.ro,
                                  rights: base & d.inherit, inherit: inherit & d.inherit,
                                  fdflags: fdflags & (FDFLAGS.APPEND | FDFLAGS.NONBLOCK) }));
            h.check(ret, 4);
            h.view().setUint32(ret, n, true);
        },
        path_readlink: (fd, p, len, buf, blen, ret) => {
            const d = h.fd(fd, 'dir');
            const host = h.resolve(d, h.path(p, len), false);
            const t = fs.readlinkSync(host, { encoding: 'buffer' });
            const n = Math.min(t.length, blen);
            h.check(buf, n); h.check(ret, 4);
            h.u8().set(t.subarray(0, n), buf);
            h.view().setUint32(ret, n, true);
        },
        path_remove_directory: (fd, p, len) => {
            const d = h.fd(fd, 'dir');
            fs.rmdirSync(h.resolve(d, h.path(p, len), false));
        },
        path_rename: (ofd, op, olen, nfd, np, nlen) => {
            const od = h.fd(ofd, 'dir'), nd = h.fd(nfd, 'dir');
            fs.renameSync(h.resolve(od, h.path(op, olen), false),
                          h.resolve(nd, h.path(np, nlen), false));
        },
        path_symlink: (op, olen, fd, np, nlen) => {
            const target = h.path(op, olen);
            const d = h.fd(fd, 'dir');
            fs.symlinkSync(target, h.resolve(d, h.path(np, nlen), false));
        },
        path_unlink_file: (fd, p, len) => {
            const d = h.fd(fd, 'dir');
            const host = h.resolve(d, h.path(p, len), false);
            if (host.endsWith('/')) fail(fs.lstatSync(host).isDirectory() ? E.ISDIR : E.NOTDIR);
            fs.unlinkSync(host);
        },
        poll_oneoff: (inp, out, n, ret) => pollOneoff(h, inp, out, n, ret),
        proc_exit: (code) => {
            if (code >= 126) {
                writeErr(`rusty-sandbox: wasm: proc_exit(${code}): exit status outside [0, 126) ` +
                         'refused (as wasmtime does); exiting with 1\n');
                throw new WasiExit(1);
            }
            throw new WasiExit(code);
        },
        proc_raise: () => E.NOSYS,
        sched_yield: () => 0,
        random_get: (buf, len) => {
            h.check(buf, len);
            if (h.urandom === undefined) h.urandom = fs.openSync('/dev/urandom', 'r');
            for (let off = 0; off < len;) {
                const n = fs.readSync(h.urandom, h.mem(buf + off, len - off), 0, len - off, null);
                if (n <= 0) fail(E.IO);
                off += n;
            }
        },
        sock_accept: () => E.NOTSUP,
        sock_recv: () => E.NOTSUP,
        sock_send: () => E.NOTSUP,
        sock_shutdown: () => E.NOTSUP,
    };
    const imports = Object.create(null); /* names come from the module: no prototype to reach */
    for (const [k, fn] of Object.entries(w)) imports[k] = wrap(fn);
    /* proc_exit must unwind, not return an errno. */
    imports.proc_exit = (code) => w.proc_exit(code >>> 0);
    return imports;
}

function listDir(path) {
    const names = ['.', '..', ...fs.readdirSync(path, { encoding: 'buffer' })];
    return names.map((nb) => {
        const name = Buffer.isBuffer(nb) ? nb : Buffer.from(nb);
        let st = null;
        try { st = fs.lstatSync(path + '/' + name.toString(), { bigint: true }); } catch (e) { st = null; }
        return { name, ino: st ? st.ino : 0n, type: st ? fileType(st) : FT.UNKNOWN };
    });
}

/* ---- stdin reader thread and poll_oneoff (see the top of the file) ---- */

const RING_CAP = 64 * 1024, RING_HEAD = 16; /* data bytes; header bytes before them */
/* Int32 header cells: SEQ bumped (and notified) on every change by either side; AVAIL bytes
 * in the ring (added by the worker, subtracted by fd_read); EOF 1 once read(2) returned 0;
 * ERR the WASI errno of a failed read(2). */
const R_SEQ = 0, R_AVAIL = 1, R_EOF = 2, R_ERR = 3;
const HANGUP = 1; /* eventrwflags fd_readwrite_hangup */

function isStdin(f) { return f.kind === 'stdio' && f.host === 0; }

/* The worker's code, run from its own text (`eval`): it sees only workerData, not this file.
 * fd 0 (always a pipe in the sandbox) is read by a libuv pipe handle in the worker's own event
 * loop, not by a blocking read(2): process.exit joins worker threads, and one blocked in
 * read(2) would keep the run alive until stdin's EOF; an idle event loop, or an Atomics.wait,
 * is interrupted by the termination. (libuv sets O_NONBLOCK on fd 0, which nothing else reads
 * from then on, and never closes fds 0-2.) Anything else on fd 0 (a file, /dev/null, a tty)
 * is read with blocking reads. Single producer: `at` is where the next byte goes, and it
 * never writes over bytes not yet consumed: it waits while the ring is full, which also stops
 * reading (the pipe's writer then blocks). */
function stdinReader() {
    const { workerData: wd } = require('worker_threads');
    const hdr = new Int32Array(wd.sab, 0, 4), data = new Uint8Array(wd.sab, wd.head, wd.cap);
    const bump = () => { Atomics.add(hdr, 0, 1); Atomics.notify(hdr, 0); };
    const eof = () => { Atomics.store(hdr, 2, 1); bump(); };
    const failed = (e) => {
        const k = e && typeof e.code === 'string' ? e.code.slice(1) : 'IO';
        Atomics.store(hdr, 3, wd.errno[k] || wd.errno.IO);
        bump();
    };
    let at = 0;
    const put = (b) => {
        for (let off = 0; off < b.length;) {
            const seq = Atomics.load(hdr, 0), room = wd.cap - Atomics.load(hdr, 1);
            if (room <= 0) { Atomics.wait(hdr, 0, seq); continue; }
            const k = Math.min(room, b.length - off, wd.cap - at);
            data.set(b.subarray(off, off + k), at);
            at = (at + k) % wd.cap;
            off += k;
            Atomics.add(hdr, 1, k);
            bump();
        }
    };
    let sock = null;
    try {
        sock = new (require('net').Socket)({ fd: 0, readable: true, writable: false,
                                             allowHalfOpen: true });
    } catch (e) { sock = null; /* ERR_INVALID_FD_TYPE: not a pipe nor a socket */ }
    if (sock) {
        sock.on('data', put);
        sock.on('end', eof);
        sock.on('error', failed);
        return;
    }
    const fs = require('fs');
    const buf = Buffer.alloc(wd.cap), nap = new Int32Array(new SharedArrayBuffer(4));
    try {
        for (;;) {
            let n;
            try { n = fs.readSync(0, buf, 0, buf.length, null); } catch (e) {
                if (e.code === 'EAGAIN' || e.code === 'EINTR') {
                    Atomics.wait(nap, 0, 0, 1); /* non-blocking: retry as ioRetry does */
                    continue;
                }
                if (e.code !== 'EOF') throw e;
                n = 0;
            }
            if (n === 0) return eof();
            put(buf.subarray(0, n));
        }
    } catch (e) { failed(e); }
}

class StdinRing {
    constructor() {
        const { Worker } = require('worker_threads');
        this.sab = new SharedArrayBuffer(RING_HEAD + RING_CAP);
        this.hdr = new Int32Array(this.sab, 0, 4);
        this.data = new Uint8Array(this.sab, RING_HEAD, RING_CAP);
        this.at = 0; /* the next byte to hand to the guest */
        this.worker = new Worker(`(${stdinReader.toString()})()`, {
            eval: true, execArgv: [], name: 'wasi-stdin', stdout: false, stderr: false,
            workerData: { sab: this.sab, head: RING_HEAD, cap: RING_CAP, errno: E },
        });
        this.worker.unref();
    }

    /* {avail, eof, err, ready}, read at one moment. */
    state() {
        const avail = Atomics.load(this.hdr, R_AVAIL), eof = Atomics.load(this.hdr, R_EOF);
        const err = Atomics.load(this.hdr, R_ERR);
        return { avail, eof, err, ready: avail > 0 || eof !== 0 || err !== 0 };
    }

    /* Wait until bytes, EOF or an error are there (true) or until `deadline` (process.hrtime
     * ns; null: no deadline) has passed (false). */
    wait(deadline) {
        for (;;) {
            const seq = Atomics.load(this.hdr, R_SEQ);
            if (this.state().ready) return true;
            let ms = Infinity;
            if (deadline !== null) {
                const left = deadline - process.hrtime.bigint();
                if (left <= 0n) return false;
                ms = Number(left) / 1e6;
            }
            Atomics.wait(this.hdr, R_SEQ, seq, ms);
        }
    }

    /* fd_read on stdin: waits for the first byte, then takes what is there, over the iovecs
     * (as readv(2) on a pipe). 0 at EOF; the read error's errno once the bytes before it are
     * consumed. */
    read(bufs) {
        if (!bufs.some((b) => b.length)) return 0;
        this.wait(null);
        let { avail, err } = this.state();
        if (!avail) {
            if (err) fail(err);
            return 0;
        }
        let total = 0;
        for (const b of bufs) {
            for (let off = 0; off < b.length && avail > 0;) {
                const k = Math.min(b.length - off, avail, RING_CAP - this.at);
                b.set(this.data.subarray(this.at, this.at + k), off);
                off += k; total += k; avail -= k;
                this.at = (this.at + k) % RING_CAP;
            }
            if (!avail) break;
        }
        Atomics.sub(this.hdr, R_AVAIL, total);
        Atomics.add(this.hdr, R_SEQ, 1);
        Atomics.notify(this.hdr, R_SEQ);
        return total;
    }

    stop() { this.worker.terminate(); }
}

/* The stdin reader, started on first use; null when no thread could be made. */
function stdinRing(h) {
    if (h.stdinRing === undefined) {
        try { h.stdinRing = new StdinRing(); } catch (e) {
            if (!e || typeof e.code !== 'string') throw e;
            h.stdinRing = null;
        }
    }
    return h.stdinRing;
}

/* Sleep until `deadline` (process.hrtime ns). */
function sleepUntil(deadline) {
    for (let left = deadline - process.hrtime.bigint(); left > 0n;
         left = deadline - process.hrtime.bigint())
        sleepMs(Number(left) / 1e6);
}

function pollOneoff(h, inp, out, n, ret) {
    if (n === 0) fail(E.INVAL);
    h.check(inp, n * 48); h.check(out, n * 32); h.check(ret, 4);
    const v = h.view(), subs = [];
    const now = process.hrtime.bigint();
    let deadline = null, readyNow = false, onStdin = false;
    for (let i = 0; i < n; i++) {
        const s = inp + i * 48;
        const userdata = v.getBigUint64(s, true), tag = v.getUint8(s + 8);
        if (tag === 0) {
            const id = v.getUint32(s + 16, true), timeout = v.getBigUint64(s + 24, true);
            const abs = v.getUint16(s + 40, true) & 1;
            const t = clockNow(id);
            if (t === null) {
                subs.push({ userdata, type: 0, err: E.INVAL });
                readyNow = true;
                continue;
            }
            let rel = abs ? timeout - t : timeout;
            if (rel < 0n) rel = 0n;
            const at = now + rel;
            subs.push({ userdata, type: 0, err: 0, at });
            if (deadline === null || at < deadline) deadline = at;
        } else if (tag === 1 || tag === 2) {
            const f = h.fds.get(v.getUint32(s + 16, true));
            const stdin = tag === 1 && !!f && isStdin(f);
            subs.push({ userdata, type: tag, err: f ? 0 : E.BADF, f, stdin });
            if (stdin) onStdin = true;
            else readyNow = true;
        } else fail(E.INVAL);
    }
    const ring = onStdin ? stdinRing(h) : null;
    if (onStdin && !ring) readyNow = true; /* no reader thread: ready at once, as before */
    if (!readyNow) {
        if (ring) ring.wait(deadline);
        else sleepUntil(deadline);
    }
    const t = process.hrtime.bigint(), st = ring ? ring.state() : null;
    let count = 0;
    for (const sub of subs) {
        let err = sub.err, nbytes = 0n, flags = 0;
        if (!err && sub.type === 0 && sub.at > t) continue;
        if (!err && sub.stdin && ring) {
            if (!st.ready) continue;
            nbytes = BigInt(st.avail);
            if (st.eof) flags = HANGUP;
            if (!st.avail && st.err) err = st.err;
        } else if (!err && sub.type === 1 && sub.f.kind === 'file') {
            const size = fs.fstatSync(sub.f.host, { bigint: true }).size;
            nbytes = size > sub.f.pos ? size - sub.f.pos : 0n;
        }
        const e = out + count++ * 32;
        v.setBigUint64(e, sub.userdata, true);
        v.setUint16(e + 8, err, true);
        v.setUint8(e + 10, sub.type);
        for (let i = 11; i < 16; i++) v.setUint8(e + i, 0);
        v.setBigUint64(e + 16, nbytes, true);
        v.setUint16(e + 24, flags, true);
    }
    v.setUint32(ret, count, true);
}

/* ---- traps ---- */

const TRAPS = [
    [/unreachable/, 'unreachable'],
    [/memory access out of bounds|out of bounds memory/, 'out_of_bounds_memory_access'],
    [/divide by zero|remainder by zero/, 'integer_divide_by_zero'],
    [/divide result unrepresentable|integer overflow/, 'integer_overflow'],
    [/float unrepresentable/, 'invalid_conversion_to_integer'],
    [/signature mismatch|null function/, 'indirect_call_type_mismatch'],
    [/table index is out of bounds|invalid index into function table|table access out of bounds/,
     'out_of_bounds_table_access'],
    [/data segment|element segment/, 'out_of_bounds_segment_access'],
    [/dereferencing a null pointer|null/, 'null_reference'],
];

function trapKind(e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) return 'stack_overflow';
    if (!(e instanceof WebAssembly.RuntimeError)) return null;
    for (const [re, kind] of TRAPS) if (re.test(e.message)) return kind;
    return 'unknown';
}

/* ---- main ---- */

function load(file, cfg) {
    const bytes = file.endsWith('.wat') ? assemble(file) : fs.readFileSync(file);
    const { bytes: limited, imports: memImports } = limitMemory(bytes, cfg);
    let module;
    try {
        module = new WebAssembly.Module(limited);
    } catch (e) {
        throw new Rejected('invalid_module', e.message.replace(/^WebAssembly\.Module\(\): /, ''));
    }
    return { module, memImports };
}

function instantiate(module, memImports, host) {
    /* Module and field names are the module's choice ("__proto__", "constructor"): only own
     * properties of prototype-less objects count. */
    const imports = Object.create(null);
    imports.wasi_snapshot_preview1 = makeImports(host);
    imports.wasi_unstable = imports.wasi_snapshot_preview1;
    for (const m of memImports) {
        const desc = { initial: m.initial, shared: m.shared };
        if (m.maximum !== null) desc.maximum = m.maximum;
        if (!Object.hasOwn(imports, m.module)) imports[m.module] = Object.create(null);
        imports[m.module][m.name] = new WebAssembly.Memory(desc);
    }
    for (const imp of WebAssembly.Module.imports(module)) {
        const ok = Object.hasOwn(imports, imp.module) && Object.hasOwn(imports[imp.module], imp.name);
        if (!ok)
            throw new Rejected('unknown_import', `import "${imp.module}"."${imp.name}" ` +
                `(${imp.kind}) is not provided: ` + (imp.module.startsWith('wasi_')
                    ? 'not a WASI preview1 function' : 'only wasi_snapshot_preview1 is'));
    }
    let instance;
    try {
        instance = new WebAssembly.Instance(module, imports);
    } catch (e) {
        if (e instanceof WebAssembly.LinkError)
            throw new Rejected('link_error', e.message.replace(/^WebAssembly\.Instance\(\): /, ''));
        throw e;
    }
    const mem = instance.exports.memory || memImports.length &&
        imports[memImports[0].module][memImports[0].name];
    if (!(mem instanceof WebAssembly.Memory))
        throw new Rejected('no_memory', 'the module exports no memory named "memory"');
    host.memory = mem;
    if (typeof instance.exports._start !== 'function')
        throw new Rejected('no_start', 'the module exports no _start function (not a WASI command)');
    return instance;
}

function nl() { return lastErrByte === 0x0a ? '' : '\n'; }

function main() {
    const [cfgText, file, ...args] = process.argv.slice(1);
    const cfg = JSON.parse(cfgText);
    const name = file.slice(file.lastIndexOf('/') + 1);
    let code = 0, host = null;
    try {
        const { module, memImports } = load(file, cfg);
        host = new Host(cfg, [cfg.name || name, ...args]);
        const instance = instantiate(module, memImports, host);
        instance.exports._start();
    } catch (e) {
        if (e instanceof WasiExit) code = e.code;
        else if (e instanceof Rejected) {
            writeErr(`${nl()}rusty-sandbox: wasm rejected: ${e.kind}: ${name}: ${e.msg}\n`);
            code = EXIT_REJECTED;
        } else {
            const kind = trapKind(e);
            if (!kind) {
                writeErr(`${nl()}rusty-sandbox: wasm host error: ${e && e.stack || e}\n`);
                code = EXIT_INTERNAL;
            } else {
                writeErr(`${nl()}rusty-sandbox: wasm trap: ${kind}: ${e.message}\n`);
                code = EXIT_TRAP;
            }
        }
    }
    /* The stdin reader thread must not outlive the module (see stdinReader). */
    if (host && host.stdinRing) host.stdinRing.stop();
    process.exit(code);
}

main();

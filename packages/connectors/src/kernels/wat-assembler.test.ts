import { describe, expect, it } from 'vitest';
import { assembleWat } from './wat-assembler';

describe('assembleWat', () => {
  it('assembles folded instructions, blocks, loops, if/else and SIMD into a module that runs', () => {
    const bytes = assembleWat(`(module
      (import "env" "memory" (memory 1))
      ;; sum of n floats at p, with a 4-wide SIMD body and a scalar tail
      (func (export "sum") (param $p i32) (param $n i32) (result f32)
        (local $acc v128) (local $s f32) (local $i i32)
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (block $done (loop $l (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
          (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $l)))
        (v128.store offset=0 (i32.const 0) (local.get $acc))
        (local.set $s (f32.add (f32.add (f32.load (i32.const 0)) (f32.load offset=4 (i32.const 0))) (f32.add (f32.load offset=8 (i32.const 0)) (f32.load offset=12 (i32.const 0)))))
        (block $t (loop $tl (br_if $t (i32.ge_s (local.get $i) (local.get $n)))
          (if (i32.ne (local.get $i) (i32.const -1))
            (then (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2)))))))
            (else (local.set $s (f32.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $tl)))
        (local.get $s)))`);
    expect(WebAssembly.validate(bytes as BufferSource)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const { sum } = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } }).exports as { sum(p: number, n: number): number };
    new Float32Array(memory.buffer).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 16);
    expect(sum(64, 11)).toBe(66);
    expect(sum(64, 3)).toBe(6);
  });

  it('encodes the limits of a shared memory import', () => {
    const bytes = assembleWat('(module (import "env" "memory" (memory 1 65536 shared)) (func (export "f")))');
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes as BufferSource));
    expect(imports).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), { env: { memory } })).not.toThrow();
  });

  it('names what it cannot assemble', () => {
    expect(() => assembleWat('(module (func (f64.add)))')).toThrow(/unsupported instruction f64\.add/);
    expect(() => assembleWat('(module (func (local.get $x)))')).toThrow(/unknown local \$x/);
    expect(() => assembleWat('(module (func (br $nowhere)))')).toThrow(/unknown label \$nowhere/);
    expect(() => assembleWat('(module (func)')).toThrow(/missing "\)"/);
  });
});

//! Run-time CPU dispatch. The default build targets the x86-64 baseline, so one binary runs
//! on every x86-64 CPU; the few hot loops that gain from AVX2, BMI and POPCNT are written
//! once as a [`Kernel`], generic over a [`Level`], and [`dispatch`] runs them compiled for
//! x86-64-v3 when the CPU has it (Haswell, Zen and later). The features are found once
//! (`is_x86_feature_detected!`, cached); no `unsafe` here: `pulp` holds it.

/// A CPU feature level a kernel can be compiled for, with the one SIMD primitive the
/// kernels need: which bytes of a 64-byte block equal a byte.
pub(crate) trait Level: Copy {
    /// Bit `i` set where `block[i] | fold == byte`.
    fn eq_mask(self, block: &[u8; 64], byte: u8, fold: u8) -> u64;
}

/// One byte at a time: other architectures, `scalar-scan` builds (CI's check of the
/// portable path), and the reference the SIMD levels are tested against.
#[cfg_attr(
    all(target_arch = "x86_64", not(feature = "scalar-scan"), not(test)),
    expect(dead_code, reason = "x86-64 builds use SSE2 or AVX2")
)]
#[derive(Clone, Copy)]
pub(crate) struct Scalar;

impl Level for Scalar {
    #[inline(always)]
    fn eq_mask(self, block: &[u8; 64], byte: u8, fold: u8) -> u64 {
        block
            .iter()
            .enumerate()
            .fold(0, |m, (i, &b)| m | (u64::from((b | fold) == byte) << i))
    }
}

/// The build's own target: the x86-64 baseline by default (SSE2: four 16-byte quarters per
/// block, through `safe_arch`), any CPU elsewhere (scalar).
#[derive(Clone, Copy)]
pub(crate) struct Base;

impl Level for Base {
    #[inline(always)]
    fn eq_mask(self, block: &[u8; 64], byte: u8, fold: u8) -> u64 {
        #[cfg(all(target_arch = "x86_64", not(feature = "scalar-scan")))]
        {
            use safe_arch::{
                bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
                set_splat_i8_m128i,
            };
            let needle = set_splat_i8_m128i(byte.cast_signed());
            let lower = set_splat_i8_m128i(fold.cast_signed());
            let (quarters, _) = block.as_chunks::<16>();
            let mut m = 0u64;
            for (k, c) in quarters.iter().enumerate() {
                let v = bitor_m128i(load_unaligned_m128i(c), lower);
                let bits = move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, needle)).cast_unsigned();
                m |= u64::from(bits & 0xffff) << (16 * k);
            }
            m
        }
        #[cfg(not(all(target_arch = "x86_64", not(feature = "scalar-scan"))))]
        {
            Scalar.eq_mask(block, byte, fold)
        }
    }
}

/// x86-64-v3: AVX2, BMI1/2, POPCNT, LZCNT, FMA (two 32-byte halves per block). The token
/// exists only on a CPU that has them; code inlined under it is compiled for them.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct V3(pub(crate) pulp::x86::V3);

#[cfg(target_arch = "x86_64")]
impl Level for V3 {
    #[inline(always)]
    fn eq_mask(self, block: &[u8; 64], byte: u8, fold: u8) -> u64 {
        #[cfg(not(feature = "scalar-scan"))]
        {
            use std::arch::x86_64::__m256i;
            let v3 = self.0;
            let needle = v3.avx._mm256_set1_epi8(byte.cast_signed());
            let lower = v3.avx._mm256_set1_epi8(fold.cast_signed());
            let (halves, _) = block.as_chunks::<32>();
            let mut m = 0u64;
            for (k, c) in halves.iter().enumerate() {
                let v = v3
                    .avx2
                    ._mm256_or_si256(pulp::cast::<[u8; 32], __m256i>(*c), lower);
                let bits = v3
                    .avx2
                    ._mm256_movemask_epi8(v3.avx2._mm256_cmpeq_epi8(v, needle));
                m |= u64::from(bits.cast_unsigned()) << (32 * k);
            }
            m
        }
        #[cfg(feature = "scalar-scan")]
        {
            Scalar.eq_mask(block, byte, fold)
        }
    }
}

/// A hot loop written once for every [`Level`]. `run` and everything it calls that should
/// get the level's instructions must be `#[inline(always)]`: a function that is not
/// inlined is compiled for the baseline.
pub(crate) trait Kernel {
    /// What the kernel returns.
    type Output;
    /// Runs the kernel at `level`.
    fn run<L: Level>(self, level: L) -> Self::Output;
}

/// A kernel bound to the v3 token. Its `call` is `#[inline(always)]`, so `pulp` inlines the
/// whole kernel into its function compiled for x86-64-v3; a closure would be a separate
/// function compiled for the baseline, and every intrinsic in it an out-of-line call.
#[cfg(target_arch = "x86_64")]
struct OnV3<K>(K, pulp::x86::V3);

#[cfg(target_arch = "x86_64")]
impl<K: Kernel> pulp::NullaryFnOnce for OnV3<K> {
    type Output = K::Output;

    #[inline(always)]
    fn call(self) -> K::Output {
        self.0.run(V3(self.1))
    }
}

/// Runs `kernel` at the best level this CPU has.
#[inline(always)]
pub(crate) fn dispatch<K: Kernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(v3) = pulp::x86::V3::try_new() {
        return v3.vectorize(OnV3(kernel, v3));
    }
    kernel.run(Base)
}

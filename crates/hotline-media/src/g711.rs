//! G.711 µ-law (PCMU) and A-law (PCMA): 16-bit linear PCM to 8-bit codes and back.
//!
//! Encoding is bit-exact with the ITU-T G.191 software tools' reference coder (`g711.c`,
//! `ulaw_compress` / `alaw_compress`): the 16-bit sample is cut to the 14 (µ-law) or 13
//! (A-law) bits G.711 works on, and a negative sample's magnitude is its one's complement.
//! The other classic coder, Sun's `g711.c` (copied into SoX, Python's `audioop` and many
//! phones), is identical for A-law; for µ-law it takes the two's-complement magnitude of a
//! negative sample, so on some negative inputs right at a decision level it picks the
//! neighbouring code. On non-negative inputs and on every code's own level the two agree; the
//! tests check both. Decoding is a lookup in a 256-entry table built at compile time: G.711's
//! reconstruction levels scaled to 16 bits (µ-law ±32124 at the ends, A-law ±32256).
//!
//! µ-law has two zeros: `0xFF` (+0) and `0x7F` (−0). Both decode to 0, and 0 encodes to `0xFF`,
//! so `encode(decode(c)) == c` for every code except `0x7F`. A-law has no zero level (the
//! smallest are ±8), so the round trip holds for all 256 codes.

use crate::sdp::Codec;

/// µ-law bias in 14-bit units (33 × 4 = 0x84 in 16-bit units).
const ULAW_BIAS_14: i32 = 33;
/// Largest biased µ-law magnitude in 14-bit units; louder samples clip to the top code.
const ULAW_MAX_14: i32 = 0x1FFF;

/// µ-law code for one 16-bit linear sample.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let x = i32::from(sample);
    // One's complement for negatives (!x == -x - 1), as G.191 does; bit 7 set means positive.
    let (sign, magnitude) = if x < 0 { (0x00, !x) } else { (0x80, x) };
    // 33..=8191, so the top set bit is bit 5..=12: that is the segment (exponent) 0..=7.
    let biased = ((magnitude >> 2) + ULAW_BIAS_14).min(ULAW_MAX_14) as u32;
    let exponent = 26 - biased.leading_zeros();
    let mantissa = (biased >> (exponent + 1)) & 0x0F;
    // µ-law sends the segment and step inverted.
    sign | (!((exponent << 4) | mantissa) & 0x7F) as u8
}

/// 16-bit linear value of a µ-law code (a table lookup).
pub fn ulaw_to_linear(code: u8) -> i16 {
    level(&ULAW_TO_LINEAR, code)
}

/// A-law code for one 16-bit linear sample.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let x = i32::from(sample);
    let (sign, magnitude) = if x < 0 { (0x00, !x) } else { (0x80, x) };
    // 12 bits of magnitude: 0..=2047. Below 16 the segment is 0 and the step is the value;
    // above, the top set bit (4..=10) gives segment 1..=7 and the next four bits the step.
    let m = (magnitude >> 4) as u32;
    let (exponent, mantissa) = if m < 16 {
        (0, m)
    } else {
        let top = 31 - m.leading_zeros();
        (top - 3, (m >> (top - 4)) & 0x0F)
    };
    // A-law inverts every other bit ("even bit inversion").
    ((sign | (exponent << 4) | mantissa) as u8) ^ 0x55
}

/// 16-bit linear value of an A-law code (a table lookup).
pub fn alaw_to_linear(code: u8) -> i16 {
    level(&ALAW_TO_LINEAR, code)
}

/// The table's level for `code`.
#[allow(
    clippy::indexing_slicing,
    reason = "a u8 always indexes a 256-entry table (no check is even compiled)"
)]
#[inline]
fn level(table: &[i16; 256], code: u8) -> i16 {
    table[usize::from(code)]
}

/// Encodes `pcm` with `codec`, appending one byte per sample to `out`.
pub fn encode(codec: Codec, pcm: &[i16], out: &mut Vec<u8>) {
    let f = encoder(codec);
    out.extend(pcm.iter().map(|&s| f(s)));
}

/// Encodes `pcm` with `codec` into `out` (as many samples as both hold), without allocating:
/// for the media path.
pub fn encode_into(codec: Codec, pcm: &[i16], out: &mut [u8]) {
    let f = encoder(codec);
    for (o, &s) in out.iter_mut().zip(pcm) {
        *o = f(s);
    }
}

fn encoder(codec: Codec) -> fn(i16) -> u8 {
    match codec {
        Codec::Pcmu => linear_to_ulaw,
        Codec::Pcma => linear_to_alaw,
    }
}

/// Decodes `payload` with `codec`, appending one sample per byte to `out`.
pub fn decode(codec: Codec, payload: &[u8], out: &mut Vec<i16>) {
    let table = match codec {
        Codec::Pcmu => &ULAW_TO_LINEAR,
        Codec::Pcma => &ALAW_TO_LINEAR,
    };
    out.extend(payload.iter().map(|&c| level(table, c)));
}

static ULAW_TO_LINEAR: [i16; 256] = build_table(Codec::Pcmu);
static ALAW_TO_LINEAR: [i16; 256] = build_table(Codec::Pcma);

#[allow(
    clippy::indexing_slicing,
    reason = "a const fn loops by index: `code < 256` is the loop's condition"
)]
const fn build_table(codec: Codec) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = match codec {
            Codec::Pcmu => ulaw_level(code as u8),
            Codec::Pcma => alaw_level(code as u8),
        };
        code += 1;
    }
    table
}

/// G.711 Table 2a reconstruction level, ×4 for 16 bits: ((2·step + 33) << segment) − 33.
const fn ulaw_level(code: u8) -> i16 {
    let c = !code;
    let segment = (c >> 4) & 0x07;
    let step = (c & 0x0F) as i32;
    let magnitude = (((step << 3) + 0x84) << segment) - 0x84;
    (if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }) as i16
}

/// G.711 Table 1a reconstruction level, ×8 for 16 bits: the middle of the step's interval.
const fn alaw_level(code: u8) -> i16 {
    let c = code ^ 0x55;
    let segment = (c >> 4) & 0x07;
    let step = (c & 0x0F) as i32;
    let magnitude = if segment == 0 {
        (step << 4) + 8
    } else {
        ((step << 4) + 0x108) << (segment - 1)
    };
    (if c & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ITU-T G.191 STL `g711.c`, written out as published (one sample at a time).
    mod g191 {
        pub fn ulaw_compress(lin: i16) -> u8 {
            let lin = i32::from(lin);
            let mut absno = if lin < 0 {
                ((!lin) >> 2) + 33
            } else {
                (lin >> 2) + 33
            };
            if absno > 0x1FFF {
                absno = 0x1FFF;
            }
            let mut i = absno >> 6;
            let mut segno = 1;
            while i != 0 {
                segno += 1;
                i >>= 1;
            }
            let high_nibble = 0x0008 - segno;
            let low_nibble = 0x000F - ((absno >> segno) & 0x000F);
            let mut log = (high_nibble << 4) | low_nibble;
            if lin >= 0 {
                log |= 0x0080;
            }
            log as u8
        }

        pub fn ulaw_expand(log: u8) -> i16 {
            let log = i32::from(log);
            let sign = if log < 0x0080 { -1 } else { 1 };
            let mantissa = !log;
            let exponent = (mantissa >> 4) & 0x0007;
            let segment = exponent + 1;
            let mantissa = mantissa & 0x000F;
            let step = 4 << segment;
            (sign * ((0x0080 << exponent) + step * mantissa + step / 2 - 4 * 33)) as i16
        }

        pub fn alaw_compress(lin: i16) -> u8 {
            let lin = i32::from(lin);
            let mut ix = if lin < 0 { (!lin) >> 4 } else { lin >> 4 };
            if ix > 15 {
                let mut iexp = 1;
                while ix > 16 + 15 {
                    ix >>= 1;
                    iexp += 1;
                }
                ix -= 16;
                ix += iexp << 4;
            }
            if lin >= 0 {
                ix |= 0x0080;
            }
            (ix ^ 0x0055) as u8
        }

        pub fn alaw_expand(log: u8) -> i16 {
            let mut ix = i32::from(log) ^ 0x0055;
            ix &= 0x007F;
            let iexp = ix >> 4;
            let mut mant = ix & 0x000F;
            if iexp > 0 {
                mant += 16;
            }
            mant = (mant << 4) + 0x0008;
            if iexp > 1 {
                mant <<= iexp - 1;
            }
            (if log > 127 { mant } else { -mant }) as i16
        }
    }

    /// Sun Microsystems' `g711.c` (the 14/13-bit version in SoX and Python's `audioop`).
    mod sun {
        const SEG_AEND: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
        const SEG_UEND: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
        const BIAS: i32 = 0x84;
        const CLIP: i32 = 8159;

        fn search(val: i32, table: &[i32; 8]) -> i32 {
            table.iter().position(|&end| val <= end).unwrap_or(8) as i32
        }

        pub fn linear2alaw(pcm: i16) -> u8 {
            let mut pcm_val = i32::from(pcm) >> 3;
            let mask = if pcm_val >= 0 {
                0xD5
            } else {
                pcm_val = -pcm_val - 1;
                0x55
            };
            let seg = search(pcm_val, &SEG_AEND);
            if seg >= 8 {
                return (0x7F ^ mask) as u8;
            }
            let mut aval = seg << 4;
            aval |= if seg < 2 {
                (pcm_val >> 1) & 0xF
            } else {
                (pcm_val >> seg) & 0xF
            };
            (aval ^ mask) as u8
        }

        pub fn alaw2linear(a_val: u8) -> i16 {
            let a_val = i32::from(a_val) ^ 0x55;
            let mut t = (a_val & 0xF) << 4;
            let seg = (a_val & 0x70) >> 4;
            match seg {
                0 => t += 8,
                1 => t += 0x108,
                _ => {
                    t += 0x108;
                    t <<= seg - 1;
                }
            }
            (if a_val & 0x80 != 0 { t } else { -t }) as i16
        }

        pub fn linear2ulaw(pcm: i16) -> u8 {
            let mut pcm_val = i32::from(pcm) >> 2;
            let mask = if pcm_val < 0 {
                pcm_val = -pcm_val;
                0x7F
            } else {
                0xFF
            };
            if pcm_val > CLIP {
                pcm_val = CLIP;
            }
            pcm_val += BIAS >> 2;
            let seg = search(pcm_val, &SEG_UEND);
            if seg >= 8 {
                return (0x7F ^ mask) as u8;
            }
            let uval = (seg << 4) | ((pcm_val >> (seg + 1)) & 0xF);
            (uval ^ mask) as u8
        }

        pub fn ulaw2linear(u_val: u8) -> i16 {
            let u_val = !i32::from(u_val) & 0xFF;
            let mut t = ((u_val & 0xF) << 3) + BIAS;
            t <<= (u_val & 0x70) >> 4;
            (if u_val & 0x80 != 0 {
                BIAS - t
            } else {
                t - BIAS
            }) as i16
        }
    }

    fn all_samples() -> impl Iterator<Item = i16> {
        i16::MIN..=i16::MAX
    }

    #[test]
    fn known_values() {
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x7F), 0);
        assert_eq!(ulaw_to_linear(0xFE), 8);
        assert_eq!(ulaw_to_linear(0x7E), -8);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0x2A), -32256);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
    }

    #[test]
    fn first_row_of_the_published_tables() {
        let ulaw: [i16; 16] = [
            -32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956, -23932, -22908, -21884,
            -20860, -19836, -18812, -17788, -16764,
        ];
        let alaw: [i16; 16] = [
            -5504, -5248, -6016, -5760, -4480, -4224, -4992, -4736, -7552, -7296, -8064, -7808,
            -6528, -6272, -7040, -6784,
        ];
        for code in 0..16u8 {
            assert_eq!(
                ulaw_to_linear(code),
                ulaw[usize::from(code)],
                "µ {code:#04x}"
            );
            assert_eq!(
                alaw_to_linear(code),
                alaw[usize::from(code)],
                "A {code:#04x}"
            );
        }
    }

    #[test]
    fn decode_tables_match_both_references() {
        for code in 0..=255u8 {
            assert_eq!(
                ulaw_to_linear(code),
                g191::ulaw_expand(code),
                "µ {code:#04x}"
            );
            assert_eq!(
                ulaw_to_linear(code),
                sun::ulaw2linear(code),
                "µ {code:#04x}"
            );
            assert_eq!(
                alaw_to_linear(code),
                g191::alaw_expand(code),
                "A {code:#04x}"
            );
            assert_eq!(
                alaw_to_linear(code),
                sun::alaw2linear(code),
                "A {code:#04x}"
            );
        }
    }

    #[test]
    fn encoders_are_bit_exact_with_g191_on_every_sample() {
        for x in all_samples() {
            assert_eq!(linear_to_ulaw(x), g191::ulaw_compress(x), "µ {x}");
            assert_eq!(linear_to_alaw(x), g191::alaw_compress(x), "A {x}");
        }
    }

    #[test]
    fn encoders_agree_with_sun_where_the_references_agree() {
        for x in all_samples() {
            assert_eq!(linear_to_alaw(x), sun::linear2alaw(x), "A {x}");
            if x >= 0 {
                assert_eq!(linear_to_ulaw(x), sun::linear2ulaw(x), "µ {x}");
            } else {
                // One step apart at most, and only right at a decision level.
                let ours = i32::from(ulaw_to_linear(linear_to_ulaw(x)));
                let theirs = i32::from(ulaw_to_linear(sun::linear2ulaw(x)));
                assert!((ours - theirs).abs() <= 1024, "µ {x}: {ours} vs {theirs}");
            }
        }
        for code in 0..=255u8 {
            let level = ulaw_to_linear(code);
            assert_eq!(
                linear_to_ulaw(level),
                sun::linear2ulaw(level),
                "µ level {level}"
            );
        }
    }

    #[test]
    fn decode_then_encode_is_identity() {
        for code in 0..=255u8 {
            assert_eq!(linear_to_alaw(alaw_to_linear(code)), code, "A {code:#04x}");
            let expected = if code == 0x7F { 0xFF } else { code };
            assert_eq!(
                linear_to_ulaw(ulaw_to_linear(code)),
                expected,
                "µ {code:#04x}"
            );
        }
    }

    #[test]
    fn encoding_is_monotonic_and_close() {
        let (mut last_u, mut last_a) = (i16::MIN, i16::MIN);
        for x in all_samples() {
            let u = ulaw_to_linear(linear_to_ulaw(x));
            let a = alaw_to_linear(linear_to_alaw(x));
            assert!(u >= last_u && a >= last_a, "not monotonic at {x}");
            // The widest step is 1024 in both laws; clipping costs at most 644 (µ-law).
            assert!(
                (i32::from(u) - i32::from(x)).abs() <= 1024,
                "µ error at {x}"
            );
            assert!(
                (i32::from(a) - i32::from(x)).abs() <= 1024,
                "A error at {x}"
            );
            (last_u, last_a) = (u, a);
        }
    }

    #[test]
    fn silence() {
        let mut out = Vec::new();
        encode(Codec::Pcmu, &[0; 4], &mut out);
        encode(Codec::Pcma, &[0; 4], &mut out);
        assert_eq!(out, [0xFF, 0xFF, 0xFF, 0xFF, 0xD5, 0xD5, 0xD5, 0xD5]);
    }

    #[test]
    fn slice_helpers_append() {
        let pcm = [0i16, 1000, -1000, 32767, -32768];
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let mut bytes = vec![0x42];
            encode(codec, &pcm, &mut bytes);
            assert_eq!(bytes.len(), 1 + pcm.len());
            let mut back = vec![7];
            decode(codec, &bytes[1..], &mut back);
            assert_eq!(back.len(), 1 + pcm.len());
            assert_eq!(back[0], 7);
            for (x, y) in pcm.iter().zip(&back[1..]) {
                assert!(
                    (i32::from(*x) - i32::from(*y)).abs() <= 1024,
                    "{codec:?} {x} -> {y}"
                );
            }
        }
        let mut empty = Vec::new();
        decode(Codec::Pcma, &[], &mut empty);
        assert!(empty.is_empty());
    }
}

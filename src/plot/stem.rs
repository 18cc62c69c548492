//! Chart file names made safe: names read from a results folder never leave the charts folder.

/// Longest chart file stem: with `.png` and the longest prefix it stays far below the 255
/// bytes a file name may have.
const MAX_STEM: usize = 120;

/// A chart's file stem made safe as one file name in the charts folder. Stems are made from
/// names read from a results folder (`fan-<variable>`), which a crafted folder could fill with
/// `../` or anything else: every character other than ASCII letters, digits, `-` and `_` becomes
/// `_`, and a long stem is cut; either change appends a hash of the original, so that two
/// different names never share a file.
///
/// # Examples
/// ```
/// use leversim::plot::stem::safe_stem;
/// assert_eq!(safe_stem("fan-shells_in_russia"), "fan-shells_in_russia");
/// let s = safe_stem("fan-../../etc/x");
/// assert!(s.starts_with("fan-______etc_x-") && !s.contains('/'));
/// ```
pub fn safe_stem(stem: &str) -> String {
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean == stem && !stem.is_empty() && stem.len() <= MAX_STEM {
        return clean;
    }
    // FNV-1a: stable across builds, unlike the std hasher.
    let hash = stem.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let cut: String = clean.chars().take(MAX_STEM).collect();
    format!("{cut}-{hash:016x}")
}

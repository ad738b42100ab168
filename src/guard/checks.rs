//! The checks a rule's match must pass beyond its pattern: entropy for
//! generic secrets, the ranges the SSA never issues, Luhn for card numbers,
//! the VIN check digit, placeholders that are no password.

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The Social Security Administration never issues area 000, 666 or 9xx,
/// group 00 or serial 0000.
pub fn valid_ssn(s: &str) -> bool {
    let d: Vec<&str> = s.split('-').collect();
    let [area, group, serial] = d.as_slice() else {
        return false;
    };
    *area != "000"
        && *area != "666"
        && !area.starts_with('9')
        && *group != "00"
        && *serial != "0000"
}

pub fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    digits.len() >= 13 && sum % 10 == 0
}

/// ISO 3779 check digit (position 9), letters and digits both present.
pub fn vin(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'H' => (c - b'A') as u32 + 1,
            b'J'..=b'N' => (c - b'J') as u32 + 1,
            b'P' => 7,
            b'R' => 9,
            b'S'..=b'Z' => (c - b'S') as u32 + 2,
            _ => return None,
        })
    };
    let b = s.as_bytes();
    if b.len() != 17 || !b.iter().any(u8::is_ascii_digit) || !b.iter().any(u8::is_ascii_uppercase) {
        return false;
    }
    let mut sum = 0;
    for (i, &c) in b.iter().enumerate() {
        let Some(v) = value(c) else { return false };
        sum += v * WEIGHTS[i];
    }
    let check = match sum % 11 {
        10 => b'X',
        n => b'0' + n as u8,
    };
    b[8] == check
}

pub fn placeholder(s: &str) -> bool {
    s.chars().all(|c| c == '*' || c == 'x' || c == 'X')
        || s.starts_with('$')
        || s.starts_with('{')
        || s.starts_with('<')
        || s.starts_with('%')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        assert!(vin("1M8GDM9AXKP042788"));
        assert!(!vin("1M8GDM9A1KP042788"));
        assert!(luhn("4111111111111111"));
        assert!(entropy("aaaaaaaaaaaaaaaa") < 1.0);
        assert!(entropy("q8Zr2LmX0pT7vB4nK9sD1fG6") > 4.0);
    }
}

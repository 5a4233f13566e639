//! How numbers are written in captions and figures (shared by the construction's
//! captions and the SVG figures, so both write them alike).

/// A whole number written with superscript digits (the dimension of a box, "[1, 2]¹²").
pub fn superscript(n: usize) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string().chars().map(|c| DIGITS[c.to_digit(10).unwrap_or(0) as usize]).collect()
}

/// A number in a caption: three significant digits.
pub fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let digits = (2 - a.log10().floor() as i32).max(0) as usize;
        format!("{:.*}", digits, v)
    } else {
        format!("{:.2e}", v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superscripts_and_short_numbers() {
        assert_eq!(superscript(12), "¹²");
        assert_eq!(superscript(0), "⁰");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1.0 / 3.0), "0.333");
        assert_eq!(short(123.456), "123");
        assert_eq!(short(-2.5e-7), "-2.50e-7");
    }
}

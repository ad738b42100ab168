//! What an image file is, read from its bytes, never from its name: the
//! magic bytes of PNG, JPEG and GIF (with the pixel size from the header,
//! so a huge image is refused before anything decodes it), and for SVG an
//! XML document whose root element is `<svg>`.

use serde::Serialize;

/// The formats a figure may have: what browsers and typst both show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    Svg,
}

impl Format {
    /// The file name extension of its copy in the packet.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Gif => "gif",
            Format::Svg => "svg",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
            Format::Svg => "image/svg+xml",
        }
    }
}

/// The most pixels a raster figure may have (decoded, 4 bytes a pixel:
/// 100 MB), and the longest side.
pub const MAX_PIXELS: u64 = 25_000_000;
pub const MAX_SIDE: u32 = 20_000;

/// The format of `bytes` and, for raster images, their size in pixels.
pub fn sniff(bytes: &[u8]) -> Result<(Format, Option<(u32, u32)>), String> {
    let (format, size) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (Format::Png, png_size(bytes))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (Format::Jpeg, jpeg_size(bytes))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        (Format::Gif, gif_size(bytes))
    } else {
        return svg(bytes).map(|()| (Format::Svg, None));
    };
    let Some((w, h)) = size else {
        return Err(format!(
            "is not a readable {} image (its header is cut short)",
            format.extension().to_uppercase()
        ));
    };
    if w == 0 || h == 0 {
        return Err(format!("has no pixels ({w} x {h})"));
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "is too large: {w} x {h} pixels (at most {MAX_SIDE} a side and {MAX_PIXELS} pixels)"
        ));
    }
    Ok((format, Some((w, h))))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    // The first chunk is IHDR: width and height follow its type.
    (b.get(12..16)? == b"IHDR").then_some(())?;
    Some((be32(b, 16)?, be32(b, 20)?))
}

fn gif_size(b: &[u8]) -> Option<(u32, u32)> {
    let w = u16::from_le_bytes(b.get(6..8)?.try_into().ok()?);
    let h = u16::from_le_bytes(b.get(8..10)?.try_into().ok()?);
    Some((w.into(), h.into()))
}

/// The size in a JPEG's start-of-frame segment (any SOF but DHT, JPG, DAC).
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u16::from_be_bytes(b.get(i + 5..i + 7)?.try_into().ok()?);
            let w = u16::from_be_bytes(b.get(i + 7..i + 9)?.try_into().ok()?);
            return Some((w.into(), h.into()));
        }
        if len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

/// An SVG: well-formed XML, no DOCTYPE (its entities could expand without
/// bound in a reader that honours them), `<svg>` as the root element.
fn svg(bytes: &[u8]) -> Result<(), String> {
    use quick_xml::events::Event;
    const NOT_AN_IMAGE: &str = "is not an image (PNG, JPEG, GIF or SVG)";
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if !text.trim_ascii_start().starts_with(b"<") {
        return Err(NOT_AN_IMAGE.into());
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return Err(NOT_AN_IMAGE.into());
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut root = None;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) => {
                return Err("is an SVG with a DOCTYPE, which relpack refuses (entities)".into())
            }
            Ok(Event::Start(e) | Event::Empty(e)) if root.is_none() => {
                root = Some(e.local_name().as_ref().to_vec());
            }
            Ok(_) => {}
            Err(e) if root.as_deref() == Some(b"svg") => {
                return Err(format!("is an SVG that is not well-formed XML: {e}"))
            }
            Err(_) => return Err(NOT_AN_IMAGE.into()),
        }
    }
    match root.as_deref() {
        Some(b"svg") => Ok(()),
        _ => Err(NOT_AN_IMAGE.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_bytes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(10u32.to_be_bytes());
        png.extend(20u32.to_be_bytes());
        assert_eq!(sniff(&png).unwrap(), (Format::Png, Some((10, 20))));
        let gif = b"GIF89a\x05\x00\x07\x00";
        assert_eq!(sniff(gif).unwrap(), (Format::Gif, Some((5, 7))));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 3, 0, 2,
        ];
        assert_eq!(sniff(&jpeg).unwrap(), (Format::Jpeg, Some((2, 3))));
        let svg = br#"<?xml version="1.0"?><!-- c --><svg xmlns="http://www.w3.org/2000/svg"/>"#;
        assert_eq!(sniff(svg).unwrap(), (Format::Svg, None));
    }

    #[test]
    fn what_is_not_an_image_is_refused() {
        for bad in [
            &b"just text"[..],
            b"<html><body/></html>",
            b"<!DOCTYPE svg [<!ENTITY a \"b\">]><svg/>",
            b"<svg><g></svg>",
            b"\x89PNG\r\n\x1a\n",
            b"",
        ] {
            assert!(sniff(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let mut huge = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        huge.extend(100_000u32.to_be_bytes());
        huge.extend(100_000u32.to_be_bytes());
        assert!(sniff(&huge).unwrap_err().contains("too large"));
    }
}

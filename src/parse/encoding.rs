//! XML in UTF-16 or UTF-32 -> the UTF-8 quick-xml reads. XML 1.0 appendix
//! F: the encoding is known from a byte-order mark, or from how the
//! `<?xml` of the declaration is laid out in the first four bytes (a
//! declaration naming UTF-16 or UTF-32 without a mark).

use std::io::{self, Read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16 { big_endian: bool },
    Utf32 { big_endian: bool },
}

impl Encoding {
    /// The encoding of a document starting with `head`, and how many bytes
    /// of byte-order mark to skip.
    pub fn sniff(head: &[u8]) -> (Encoding, usize) {
        match head {
            [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
            [0x00, 0x00, 0xFE, 0xFF, ..] => (Encoding::Utf32 { big_endian: true }, 4),
            [0xFF, 0xFE, 0x00, 0x00, ..] => (Encoding::Utf32 { big_endian: false }, 4),
            [0xFE, 0xFF, ..] => (Encoding::Utf16 { big_endian: true }, 2),
            [0xFF, 0xFE, ..] => (Encoding::Utf16 { big_endian: false }, 2),
            [0x00, 0x00, 0x00, 0x3C, ..] => (Encoding::Utf32 { big_endian: true }, 0),
            [0x3C, 0x00, 0x00, 0x00, ..] => (Encoding::Utf32 { big_endian: false }, 0),
            [0x00, 0x3C, 0x00, 0x3F, ..] => (Encoding::Utf16 { big_endian: true }, 0),
            [0x3C, 0x00, 0x3F, 0x00, ..] => (Encoding::Utf16 { big_endian: false }, 0),
            _ => (Encoding::Utf8, 0),
        }
    }

    fn unit(self) -> usize {
        match self {
            Encoding::Utf8 => 1,
            Encoding::Utf16 { .. } => 2,
            Encoding::Utf32 { .. } => 4,
        }
    }
}

/// Reads `inner` as UTF-8, whatever of the encodings above it is in. UTF-8
/// passes through untouched (quick-xml checks it); the others are decoded,
/// and a unit that is not a character is an error naming its byte offset.
pub struct Utf8Reader<R> {
    inner: R,
    encoding: Encoding,
    /// Undecoded bytes (UTF-8: bytes not yet passed on).
    raw: Vec<u8>,
    /// Decoded UTF-8 waiting to be read, from `out_pos`.
    out: Vec<u8>,
    out_pos: usize,
    /// Offset in the file of `raw[0]`, for errors.
    raw_offset: u64,
    eof: bool,
}

impl<R: Read> Utf8Reader<R> {
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut head = [0u8; 4];
        let mut n = 0;
        while n < head.len() {
            match inner.read(&mut head[n..])? {
                0 => break,
                k => n += k,
            }
        }
        let (encoding, bom) = Encoding::sniff(&head[..n]);
        Ok(Utf8Reader {
            inner,
            encoding,
            raw: head[bom.min(n)..n].to_vec(),
            out: Vec::new(),
            out_pos: 0,
            raw_offset: bom as u64,
            eof: false,
        })
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Decode what whole characters `raw` holds into `out`.
    fn decode(&mut self) -> io::Result<()> {
        let unit = self.encoding.unit();
        let mut i = 0;
        let bad = |at: u64, what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not valid {what} at byte offset {at}"),
            )
        };
        while i + unit <= self.raw.len() {
            let b = &self.raw[i..i + unit];
            let (c, used) = match self.encoding {
                Encoding::Utf8 => unreachable!("UTF-8 is passed through"),
                Encoding::Utf16 { big_endian } => {
                    let u16_at = |j: usize| {
                        let pair = [self.raw[j], self.raw[j + 1]];
                        if big_endian {
                            u16::from_be_bytes(pair)
                        } else {
                            u16::from_le_bytes(pair)
                        }
                    };
                    let first = u16_at(i);
                    if (0xD800..0xDC00).contains(&first) {
                        if i + 4 > self.raw.len() {
                            if self.eof {
                                return Err(bad(self.raw_offset + i as u64, "UTF-16"));
                            }
                            break;
                        }
                        let second = u16_at(i + 2);
                        match char::decode_utf16([first, second]).next() {
                            Some(Ok(c)) => (c, 4),
                            _ => return Err(bad(self.raw_offset + i as u64, "UTF-16")),
                        }
                    } else {
                        match char::decode_utf16([first]).next() {
                            Some(Ok(c)) => (c, 2),
                            _ => return Err(bad(self.raw_offset + i as u64, "UTF-16")),
                        }
                    }
                }
                Encoding::Utf32 { big_endian } => {
                    let quad = [b[0], b[1], b[2], b[3]];
                    let n = if big_endian {
                        u32::from_be_bytes(quad)
                    } else {
                        u32::from_le_bytes(quad)
                    };
                    match char::from_u32(n) {
                        Some(c) => (c, 4),
                        None => return Err(bad(self.raw_offset + i as u64, "UTF-32")),
                    }
                }
            };
            let mut utf8 = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            i += used;
        }
        self.raw.drain(..i);
        self.raw_offset += i as u64;
        if self.eof && !self.raw.is_empty() {
            return Err(bad(
                self.raw_offset,
                "text: the file ends inside a character",
            ));
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.encoding == Encoding::Utf8 {
            if !self.raw.is_empty() {
                let n = buf.len().min(self.raw.len());
                buf[..n].copy_from_slice(&self.raw[..n]);
                self.raw.drain(..n);
                return Ok(n);
            }
            return self.inner.read(buf);
        }
        while self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            if self.eof {
                return Ok(0);
            }
            let mut chunk = [0u8; 1 << 15];
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                self.eof = true;
            }
            self.raw.extend_from_slice(&chunk[..n]);
            self.decode()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> io::Result<String> {
        let mut r = Utf8Reader::new(bytes)?;
        let mut s = String::new();
        r.read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn utf16_and_utf32_with_and_without_a_mark() {
        let text = "<?xml version=\"1.0\"?><a b=\"é😀\"/>\n";
        let utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let utf32le: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let utf32be: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        for (mark, body) in [
            (&[0xFF, 0xFE][..], &utf16le),
            (&[0xFE, 0xFF][..], &utf16be),
            (&[0xFF, 0xFE, 0, 0][..], &utf32le),
            (&[0, 0, 0xFE, 0xFF][..], &utf32be),
        ] {
            let with_mark: Vec<u8> = mark.iter().chain(body.iter()).copied().collect();
            assert_eq!(read_all(&with_mark).unwrap(), text);
            assert_eq!(read_all(body).unwrap(), text);
        }
        assert_eq!(read_all(text.as_bytes()).unwrap(), text);
        assert_eq!(read_all(b"\xEF\xBB\xBF<a/>").unwrap(), "<a/>");
        // A lone surrogate, a cut-off unit.
        assert!(read_all(&[0xFF, 0xFE, 0x3C, 0x00, 0x00, 0xD8, 0x3E, 0x00]).is_err());
        assert!(read_all(&[0xFF, 0xFE, 0x3C, 0x00, 0x3E]).is_err());
    }
}

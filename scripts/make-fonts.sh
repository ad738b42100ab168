#!/usr/bin/env bash
# Regenerates the embedded fonts in assets/fonts/ from Debian's Noto font
# packages (see assets/fonts/README.md for what each file contains).
#
#   scripts/make-fonts.sh            build into assets/fonts/, then verify
#   scripts/make-fonts.sh --check    build into a temp dir and compare with
#                                    assets/fonts/SHA256SUMS (exit 1 on drift)
#
# Needs Debian/Ubuntu (apt) and python3 with venv. Installs, if missing:
# fonts-noto-core fonts-noto-mono fonts-noto-cjk fonts-noto-color-emoji
# kanjidic-xml (apt) and fonttools/brotli/uharfbuzz (pip, in a private venv).
# Idempotent: every run rewrites the same files; with the same Debian package
# versions and the pinned fonttools the output is byte-for-byte identical.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FONTS_DIR="$ROOT/assets/fonts"
MODE=build
if [[ "${1:-}" == "--check" ]]; then MODE=check; fi

FONTTOOLS_VERSION=4.68.0
BROTLI_VERSION=1.2.1
UHARFBUZZ_VERSION=0.57.0
VENV="${RELPACK_FONT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/relpack/make-fonts-venv}"
export SOURCE_DATE_EPOCH=0   # belt and braces: fontTools timestamps

# --- 1. Debian packages -------------------------------------------------------
APT_PKGS=(fonts-noto-core fonts-noto-mono fonts-noto-cjk fonts-noto-color-emoji kanjidic-xml)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
  echo ">> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo ">> Debian package versions:"
dpkg-query -W "${APT_PKGS[@]}" | sed 's/^/   /'

# --- 2. Python tools ------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
want="fonttools==$FONTTOOLS_VERSION brotli==$BROTLI_VERSION uharfbuzz==$UHARFBUZZ_VERSION"
if ! "$VENV/bin/python" - "$FONTTOOLS_VERSION" "$UHARFBUZZ_VERSION" <<'PY' 2>/dev/null; then
import sys, fontTools, uharfbuzz, brotli
sys.exit(0 if fontTools.version == sys.argv[1] and uharfbuzz.__version__ == sys.argv[2] else 1)
PY
  echo ">> pip install $want"
  "$VENV/bin/pip" install -q --disable-pip-version-check $want
fi
PY="$VENV/bin/python"

# --- 3. Source files (warn if Debian has shipped different ones) -----------------
"$PY" - <<'PY'
import hashlib, sys
EXPECTED = {
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf": "89c3c497f618fdaa0b2d1e98fef93582f28c71debd2c4a8cdf41f190ced2909d",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf": "e83493c945848ecd4a9ad0f6d19164541a0d3e23a9c952304a00a46e00272ac5",
    "/usr/share/fonts/truetype/noto/NotoSans-Italic.ttf": "5d7618dda819443fd07301c84adcee9fe8960c873ea5e5e1f0f59db384b78082",
    "/usr/share/fonts/truetype/noto/NotoSans-BoldItalic.ttf": "4315b26e5afb62f70f5ffe0edaa3363e57765ff2af2beda12b6fef197e3e5f5a",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf": "6b692c4b6d15ccf59f1c1fe8d11cb8a92f51960f3e9f1f523781755a3af7e29f",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Bold.ttf": "b22563d5f03b345a62115e78d8789c9ed99c2cfa8059fad6e7a5c4ced288e21e",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf": "504d7407d86875acf7d04dfaa0fd7524d0b8797723bc4aa18022f29db25b0b6e",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf": "ded6fc7359ca36d15d7aab9ef0c066e21ce48b26a069994d6602fa2cb9a1b952",
    "/usr/share/fonts/truetype/noto/NotoSansMath-Regular.ttf": "8242bd1e55368b27e32455260754cf9aa58f3ad7ea80664b66c21f1b09910d6c",
    "/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf": "876598db5f1e3bef2bc77c4d94c5b0d5d2c1620be4878a06f18fb5434e331688",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc": "b76b0433203017ca80401b2ee0dd69350349871c4b19d504c34dbdd80541690a",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc": "faa5f3656a78b2e2d450d27fe8382c778bc2b6bb5ea29c986664a6a435056ceb",
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf": "e5899ed38b8ed83e08bd3ac5de09791e9d19d288333a796de1d35ad17396f1ec",
    "/usr/share/edict/kanjidic2.xml.gz": "aff847155b5c22ec4514985cc6598bfef7b8e6df0fb73cbeed6249e80b437153",
}
bad = [p for p, h in EXPECTED.items() if hashlib.sha256(open(p, "rb").read()).hexdigest() != h]
for p in bad:
    print(f"WARNING: {p} differs from the version the committed fonts were built from;"
          " the output will not be byte-identical (README.md lists the package versions).",
          file=sys.stderr)
PY

# --- 4. Build ---------------------------------------------------------------------
if [[ $MODE == check ]]; then
  OUT=$(mktemp -d)
  trap 'rm -rf "$OUT"' EXIT
else
  OUT="$FONTS_DIR"
  mkdir -p "$OUT"
fi

"$PY" - "$OUT" <<'PY'
import gzip, os, sys, xml.etree.ElementTree as ET
from fontTools import subset
from fontTools.ttLib import TTFont

OUT = sys.argv[1]
NOTO = "/usr/share/fonts/truetype/noto"
CJK = "/usr/share/fonts/opentype/noto"


def R(spec):
    """'0020-007E,00A0' -> set of code points."""
    cps = set()
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        cps.update(range(int(a, 16), int(b or a, 16) + 1))
    return cps


def double_byte_rows(encoding, first_row, last_row):
    """Characters of an EUC-style 94x94 charset, rows first_row..last_row."""
    chars = set()
    for row in range(first_row, last_row + 1):
        for cell in range(1, 95):
            try:
                chars.add(bytes([0xA0 + row, 0xA0 + cell]).decode(encoding))
            except UnicodeDecodeError:
                pass
    return {ord(c) for c in chars}


def joyo_kanji():
    """The 2,136 Jōyō kanji (2010 list): KANJIDIC2 grades 1-6 and 8."""
    root = ET.parse(gzip.open("/usr/share/edict/kanjidic2.xml.gz")).getroot()
    out = set()
    for ch in root.iter("character"):
        g = ch.find("misc/grade")
        if g is not None and int(g.text) in (1, 2, 3, 4, 5, 6, 8):
            out.add(ord(ch.find("literal").text))
    assert len(out) == 2136, len(out)
    return out


# --- code point sets ---------------------------------------------------------------
LATIN_TEXT = R(
    "0020-007E,00A0-00FF,"      # Basic Latin, Latin-1
    "0100-024F,"                # Latin Extended-A/B
    "0250-02FF,"                # IPA, spacing modifier letters
    "0300-036F,"                # combining diacritics (decomposed text)
    "0370-03FF,"                # Greek and Coptic
    "0400-052F,"                # Cyrillic + supplement
    "1E00-1EFF,"                # Latin Extended Additional (Vietnamese...)
    "2000-206F,"                # general punctuation (… • – — ‰ ...)
    "2070-209F,20A0-20CF,"      # super/subscripts, currency
    "2100-214F,2150-218F,"      # letterlike (℃ № ™ Ω), number forms (½ Ⅻ)
    "2190-21FF,2200-22FF,"      # arrows, math operators (kept where present)
    "2500-257F,25A0-25FF,"      # box drawing, geometric shapes (where present)
    "2713,2717,"                # ✓ ✗ (where present)
    "2C60-2C7F,FB00-FB06,FEFF,FFFC-FFFD"
)
MONO_TEXT = LATIN_TEXT | R("2300-23FF,2580-259F,2600-26FF,2700-27BF")
MATH_SYMBOLS = R("2190-21FF,2200-22FF,2300-23FF,27C0-27FF,2900-2AFF,2B00-2BFF")
SYMBOLS2 = R("2022,2190-21FF,2300-23FF,25A0-25FF,2600-26FF,2700-27BF,2B00-2BFF,1F780-1F7FF")

CJK_BASE = R(
    "0020-007E,00A0,00B7,"
    "2010-2027,2030-203B,"      # punctuation incl. ※
    "2160-217F,2460-24FF,"      # Roman numerals, ① ② ...
    "25A0-25FF,2605-2606,266A," # ○●□■△▲◎◇◆ ★☆ ♪ (full-width forms)
    "3000-303F,"                # CJK symbols and punctuation
    "3040-309F,30A0-30FF,31F0-31FF,"  # Hiragana, Katakana (+ phonetic ext.)
    "3200-32FF,3300-33FF,"      # enclosed CJK, CJK compatibility (㎎ ㎖ ㍉)
    "FF00-FFEF"                 # half-/full-width forms
)
HAN = (joyo_kanji()
       | double_byte_rows("euc_jp", 16, 47)     # JIS X 0208 level 1 (2,965)
       | double_byte_rows("gb2312", 16, 55))    # GB 2312 level 1 (3,755)
HANGUL = double_byte_rows("euc_kr", 16, 40)     # KS X 1001 Hangul (2,350)
CJK_SET = CJK_BASE | HAN | HANGUL

EMOJI = R(
    "1F300-1F3FA,1F400-1F64F,"  # 1F300-1F64F without the skin-tone modifiers...
    "1F3FB-1F3FF,"              # ...which are kept only as stand-alone swatches
    "1F680-1F6FF,1F900-1F9FF,2600-27BF,1F1E6-1F1FF,"
    "00A9,00AE,203C,2049,2122,2139,2194-2199,21A9-21AA,231A-231B,2328,23CF,"
    "23E9-23F3,23F8-23FA,24C2,25AA-25AB,25B6,25C0,25FB-25FE,2934-2935,"
    "2B05-2B07,2B1B-2B1C,2B50,2B55,3030,303D,3297,3299,"
    "1F004,1F0CF,1F170-1F251,1F7E0-1F7FF,1FA70-1FAFF"
)
SKIN_TONES = R("1F3FB-1F3FF")


# --- helpers ------------------------------------------------------------------------
def options(features="*", hinting=False, drop_tables=()):
    o = subset.Options()
    o.layout_features = ["*"] if features == "*" else list(features)
    o.name_IDs = ["*"]
    o.name_languages = ["*"]
    o.name_legacy = True
    o.glyph_names = True
    o.notdef_outline = True
    o.hinting = hinting
    o.recalc_timestamp = False
    o.drop_tables = list(o.drop_tables) + list(drop_tables)
    return o


def load(path, number=None):
    return TTFont(path, fontNumber=number if number is not None else -1,
                  recalcTimestamp=False, lazy=False)


def save(font, name):
    tmp = os.path.join(OUT, name + ".tmp")
    font.save(tmp)
    os.replace(tmp, os.path.join(OUT, name))
    print(f"   {name:34s} {os.path.getsize(os.path.join(OUT, name)):>9,d} bytes,"
          f" {len(font.getGlyphOrder()):>6,d} glyphs")


def build(src, name, unicodes, number=None, pre=None, **kw):
    font = load(src, number)
    if pre:
        pre(font)
    s = subset.Subsetter(options(**kw))
    s.populate(unicodes=sorted(unicodes))
    s.subset(font)
    save(font, name)


def cjk_keep_only_jan_zhs(font):
    """Keep `locl` only for Japanese (JAN) and Simplified Chinese (ZHS).

    The JP face carries locl substitutions to KR/TC/HK glyph forms too; dropping
    those language systems before subsetting keeps their glyphs out of the
    closure (a `locl` for all languages nearly doubles the file)."""
    for tag in ("GSUB", "GPOS"):
        t = font[tag].table
        for sr in t.ScriptList.ScriptRecord:
            recs = [r for r in sr.Script.LangSysRecord if r.LangSysTag.strip() in ("JAN", "ZHS")]
            sr.Script.LangSysRecord = recs
            sr.Script.LangSysCount = len(recs)
        font[tag].prune_features()   # fontTools.subset adds this method


def emoji_drop_sequences(font):
    """Remove ligatures built on skin-tone modifiers or ZWJ, so those
    (many, large) bitmaps fall out of the subset; the modifiers themselves
    stay as colour swatches, the Unicode-recommended fallback rendering."""
    cmap = font.getBestCmap()
    bad = {cmap[c] for c in SKIN_TONES | {0x200D} if c in cmap}
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for st in lookup.SubTable:
            if st.LookupType == 7:
                st = st.ExtSubTable
            if getattr(st, "LookupType", None) != 4:
                continue
            for first in list(st.ligatures):
                keep = [l for l in st.ligatures[first]
                        if first not in bad and not bad.intersection(l.Component)]
                if keep:
                    st.ligatures[first] = keep
                else:
                    del st.ligatures[first]


print(">> building into", OUT)
for style in ("Regular", "Bold", "Italic", "BoldItalic"):
    build(f"{NOTO}/NotoSans-{style}.ttf", f"NotoSans-{style}.ttf", LATIN_TEXT)
for style in ("Regular", "Bold"):
    build(f"{NOTO}/NotoSansMono-{style}.ttf", f"NotoSansMono-{style}.ttf", MONO_TEXT)
for style in ("Regular", "Bold"):
    # Every code point the font has: Arabic, Supplement, Extended-A,
    # Presentation Forms A/B, plus the digits/punctuation/ZWJ/ZWNJ/◌ it carries.
    src = f"{NOTO}/NotoSansArabic-{style}.ttf"
    build(src, f"NotoSansArabic-{style}.ttf", set(load(src).getBestCmap()) - {0, 0x0D})
build(f"{NOTO}/NotoSansMath-Regular.ttf", "NotoSansMath-Regular.ttf", MATH_SYMBOLS,
      drop_tables=["MATH"])     # a plain symbol fallback, not an equation font
build(f"{NOTO}/NotoSansSymbols2-Regular.ttf", "NotoSansSymbols2-Regular.ttf", SYMBOLS2)
CJK_FEATURES = ["ccmp", "locl", "liga", "kern", "palt", "halt", "fwid", "hwid", "pwid"]
build(f"{CJK}/NotoSansCJK-Regular.ttc", "NotoSansCJKjp-Regular.otf", CJK_SET, number=0,
      pre=cjk_keep_only_jan_zhs, features=CJK_FEATURES, hinting=True)
build(f"{CJK}/NotoSansCJK-Bold.ttc", "NotoSansCJKjp-Bold.otf", CJK_SET, number=0,
      pre=cjk_keep_only_jan_zhs, features=CJK_FEATURES, hinting=True)
build(f"{NOTO}/NotoColorEmoji.ttf", "NotoColorEmoji.ttf", EMOJI, pre=emoji_drop_sequences)
PY

# --- 5. Verify ------------------------------------------------------------------------
"$PY" - "$OUT" <<'PY'
import fnmatch, glob, os, sys
import uharfbuzz as hb
from fontTools.ttLib import TTFont

OUT = sys.argv[1]
NOTO = "/usr/share/fonts/truetype/noto"

# Sample text per file; every character must be in the cmap.
SAMPLES = {
    "NotoSans-*.ttf": "Dosis μg ΔΣ Ωmega Привет € ½ “quoted” – — … • ‰ № ℃ fi ffl",
    "NotoSansMono-*.ttf": "Dosis μg ΔΣ → ≤ ≥ − ± × ÷ ┌─┐│└┘ █ ● ⌈⌉",
    "NotoSansArabic-*.ttf": "جرعة الأنسولين ٠١٢٣٤٥٦٧٨٩ ،؛؟ ﷲ",
    "NotoSansMath-Regular.ttf": "→←↑↓⇒⇔≤≥≠≈−∓∞∑∏√∫∂∆∇∈∉⊂⊆∩∪∀∃⟶⟹",
    "NotoSansSymbols2-Regular.ttf": "✓✗✔✘•■□▲△▶◆◇○●◎★☆⚠",
    "NotoSansCJKjp-*.otf": "インスリン投与量を確認してください 中文测试 𠮟塡剝頰 한국어 ㎎㎖ ①②",
    "NotoColorEmoji.ttf": "💉⚠✅💊🩸🩺🏥❤🟢🟡🔴🇯🇵👍🏽",
}
# (emoji check: ⚠ U+26A0 without VS16: the font has no glyph for U+FE0F; typst
#  shapes with REMOVE_DEFAULT_IGNORABLES so "⚠️" renders fine.)

def typst_family(font):
    """Family name as typst 0.15 computes it (FontInfo::from_ttf): first name
    record with ID 1, style suffixes trimmed (typst_family in info.rs)."""
    fam = None
    for rec in font["name"].names:
        if rec.nameID == 1:
            try:
                fam = rec.toUnicode()
                break
            except Exception:
                continue
    seps = " -_"
    mods = ["extra", "ext", "ex", "x", "semi", "sem", "sm", "demi", "dem", "ultra"]
    sufs = ["normal", "italic", "oblique", "slanted", "thin", "th", "hairline", "light",
            "lt", "regular", "medium", "med", "md", "bold", "bd", "demi", "extb", "black",
            "blk", "bk", "heavy", "narrow", "condensed", "cond", "cn", "cd", "compressed",
            "expanded", "exp", "vf", "var", "variable"]
    family = fam.strip().lstrip(".")
    lower = family.lower()
    length, trimmed = None, lower
    while length is None or len(trimmed) < length:
        length = len(trimmed)
        t, shortened = trimmed, False
        while True:
            s = next((t[: -len(x)] for x in sufs if t.endswith(x)), None)
            if s is None:
                break
            shortened, t = True, s
        if not shortened:
            break
        if t and t[-1] in seps:
            trimmed = t = t[:-1]
        m = next((t[: -len(x)] for x in mods if t.endswith(x)), None)
        if m and m[-1] in seps:
            trimmed = m[:-1]
    return family[:length]


def shape(path, text, features=None):
    blob = hb.Blob.from_file_path(path)
    face = hb.Face(blob)
    font = hb.Font(face)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, features or {})
    return buf


failed = False
total = 0
rows = []
for path in sorted(glob.glob(os.path.join(OUT, "*.tt[fc]")) + glob.glob(os.path.join(OUT, "*.otf"))):
    name = os.path.basename(path)
    size = os.path.getsize(path)
    total += size
    try:
        font = TTFont(path)
        for tag in font.keys():      # decompile every table: catches corruption
            font[tag]
    except Exception as e:
        print(f"FAIL {name}: fontTools cannot open it: {e}")
        failed = True
        continue
    cmap = font.getBestCmap()
    sample = next(s for pat, s in SAMPLES.items() if fnmatch.fnmatch(name, pat))
    missing = sorted({c for c in sample if c != " " and ord(c) not in cmap})
    # Shaping: no .notdef in the result
    buf = shape(path, sample)
    notdef = sum(1 for i in buf.glyph_infos if i.codepoint == 0)
    ok = not missing and notdef == 0
    failed |= not ok
    weight = font["OS/2"].usWeightClass
    italic = bool(font["OS/2"].fsSelection & 1)
    rows.append((name, size, typst_family(font), weight, italic, len(cmap), ok, missing, notdef))

print(">> verification")
for name, size, fam, w, it, ncmap, ok, missing, notdef in rows:
    print(f"   {'ok  ' if ok else 'FAIL'} {name:30s} {size:>9,d} B  family={fam!r} "
          f"weight={w}{' italic' if it else ''} cmap={ncmap}"
          + (f" missing={''.join(missing)!r}" if missing else "")
          + (f" notdef={notdef}" if notdef else ""))
print(f"   total {total:,d} bytes ({total / 1048576:.2f} MiB)")

# Layout survived subsetting: shaping the subset must position exactly like the
# original font (kerning pairs, ligatures, Arabic joining + marks, CJK palt).
def same(src, dst, text, features=None):
    a, b = shape(src, text, features), shape(dst, text, features)
    pa = [(p.x_advance, p.y_advance, p.x_offset, p.y_offset) for p in a.glyph_positions]
    pb = [(p.x_advance, p.y_advance, p.x_offset, p.y_offset) for p in b.glyph_positions]
    ca = [i.cluster for i in a.glyph_infos]
    cb = [i.cluster for i in b.glyph_infos]
    return pa == pb and ca == cb

CJK = "/usr/share/fonts/opentype/noto"
checks = [
    (f"{NOTO}/NotoSans-Regular.ttf", "NotoSans-Regular.ttf", "AVATAR Type fi ffl Wolf 10 µg", None),
    (f"{NOTO}/NotoSans-BoldItalic.ttf", "NotoSans-BoldItalic.ttf", "AVATAR Type fi ffl", None),
    (f"{NOTO}/NotoSansArabic-Regular.ttf", "NotoSansArabic-Regular.ttf", "جرعة الأنسولين لله", None),
    (f"{NOTO}/NotoSansArabic-Bold.ttf", "NotoSansArabic-Bold.ttf", "بِسْمِ اللهِ", None),
]
for src, dst, text, feats in checks:
    ok = same(src, os.path.join(OUT, dst), text, feats)
    failed |= not ok
    print(f"   {'ok  ' if ok else 'FAIL'} shaping identical to original: {dst}: {text!r}")

# kerning really is applied (not just "identical because both are zero")
buf = shape(os.path.join(OUT, "NotoSans-Regular.ttf"), "AV")
kern_ok = buf.glyph_positions[0].x_advance < shape(os.path.join(OUT, "NotoSans-Regular.ttf"), "A").glyph_positions[0].x_advance
# Arabic joining really happens (contextual forms differ from isolated)
ar = os.path.join(OUT, "NotoSansArabic-Regular.ttf")
join_ok = shape(ar, "ببب").glyph_infos[0].codepoint != shape(ar, "ب").glyph_infos[0].codepoint
# CJK: palt changes advances; Simplified-Chinese locl changes the glyph for 骨
cj = os.path.join(OUT, "NotoSansCJKjp-Regular.otf")
palt_ok = shape(cj, "「あ」", {"palt": True}).glyph_positions[0].x_advance < 1000
def glyph_with_lang(lang):
    b = hb.Buffer(); b.add_str("骨"); b.guess_segment_properties()
    b.language = lang
    hb.shape(hb.Font(hb.Face(hb.Blob.from_file_path(cj))), b, {})
    return b.glyph_infos[0].codepoint
locl_ok = glyph_with_lang("ja") != glyph_with_lang("zh-cn")
for label, ok in (("GPOS kerning applied (A+V)", kern_ok), ("Arabic joining (init/medi/fina)", join_ok),
                  ("CJK palt", palt_ok), ("CJK locl zh-Hans form of 骨", locl_ok)):
    failed |= not ok
    print(f"   {'ok  ' if ok else 'FAIL'} {label}")

sys.exit(1 if failed else 0)
PY

# --- 6. Checksums -----------------------------------------------------------------------
cd "$OUT"
if [[ $MODE == check ]]; then
  if (cd "$OUT" && sha256sum -c --quiet "$FONTS_DIR/SHA256SUMS"); then
    echo ">> check: rebuilt fonts are byte-identical to assets/fonts/SHA256SUMS"
  else
    echo ">> check: rebuilt fonts DIFFER from assets/fonts/SHA256SUMS" >&2
    exit 1
  fi
else
  sha256sum -- *.ttf *.otf > SHA256SUMS
  echo ">> wrote $FONTS_DIR/SHA256SUMS"
fi

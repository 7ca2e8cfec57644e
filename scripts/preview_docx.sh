#!/usr/bin/env bash
# Render a draft .docx to PDF and PNG pages so its layout can be checked
# without Word. Usage: scripts/preview_docx.sh DRAFT.docx OUTDIR
#
# Installs libreoffice-writer, poppler-utils and fonts-noto-cjk with apt-get
# when missing (needs root). The official fonts (方正小标宋简体, 仿宋_GB2312,
# 黑体, 楷体_GB2312) are usually absent on servers; the script reports which
# face LibreOffice will use instead, so glyph shapes in the preview are not
# mistaken for a defect of the file.
#
# Then it prints, per page, how many lines carry text and the longest line in
# characters (GB/T 9704: 22 lines of 28 characters), from the PDF's text.
#
# Environment: PYTHON (default python3) is used for the font report when it
# can import python-docx, and for the line count; PAGES (default 3) limits how
# many pages become PNG.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "用法：$0 文稿.docx 输出目录" >&2
    exit 2
fi
docx_path=$1
out_dir=$2
if [[ ! -f $docx_path ]]; then
    echo "找不到文件：$docx_path" >&2
    exit 1
fi
pages=${PAGES:-3}
python_bin=${PYTHON:-python3}
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# --- dependencies ---------------------------------------------------------
missing=()
command -v libreoffice >/dev/null 2>&1 || missing+=(libreoffice-writer)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# Without a CJK font every Chinese character renders as a tofu box.
if ! command -v fc-list >/dev/null 2>&1 || [[ -z $(fc-list :lang=zh family 2>/dev/null) ]]; then
    missing+=(fonts-noto-cjk)
fi
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "正在安装缺少的软件包：${missing[*]}（可能需要几分钟）"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q \
        --no-install-recommends "${missing[@]}"
fi

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

# --- fonts ----------------------------------------------------------------
# A private LibreOffice profile and fontconfig file, removed on exit: the
# profile avoids clashing with a running LibreOffice, the fontconfig file
# maps each missing official font to its closest installed substitute
# (serif for 仿宋/楷体/小标宋, sans for 黑体), so headings and body stay
# distinguishable in the preview instead of all falling back to one face.
work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT

# "official<TAB>substitute" per line; the project's fallback list when its
# Python environment is usable, else the same list hard-coded here.
substitutions=$(PYTHONPATH="$repo_dir${PYTHONPATH:+:$PYTHONPATH}" "$python_bin" - 2>/dev/null <<'PY' || true
from bot.drafting.export import FONT_FALLBACKS, available_cjk_fonts

installed = available_cjk_fonts()
for official, fallbacks in FONT_FALLBACKS.items():
    if official in installed:
        continue
    usable = next((name for name in fallbacks if name in installed), None)
    if usable:
        print(f"{official}\t{usable}")
PY
)
if [[ -z $substitutions ]]; then
    substitutions=$(printf '%s\t%s\n' \
        "方正小标宋简体" "Noto Serif CJK SC" "仿宋_GB2312" "Noto Serif CJK SC" \
        "黑体" "Noto Sans CJK SC" "楷体_GB2312" "Noto Serif CJK SC" \
        "宋体" "Noto Serif CJK SC")
fi

fonts_conf="$work_dir/fonts.conf"
{
    echo '<?xml version="1.0"?>'
    echo '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
    echo '<fontconfig>'
    echo '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
    while IFS=$'\t' read -r official substitute; do
        [[ -n $official ]] || continue
        # An already installed official font wins: fontconfig only applies
        # the alias's preferred family ahead of it if it is missing.
        if fc-list ":family=$official" family | grep -q .; then
            continue
        fi
        echo "  <alias binding=\"same\"><family>$official</family><prefer><family>$substitute</family></prefer></alias>"
    done <<<"$substitutions"
    echo '</fontconfig>'
} >"$fonts_conf"
export FONTCONFIG_FILE=$fonts_conf

echo "字体情况（公文字体缺失时预览会用替代字体，字形与 Word 中不同属正常）："
for font in "方正小标宋简体" "仿宋_GB2312" "黑体" "楷体_GB2312" "宋体"; do
    if fc-list ":family=$font" family | grep -q .; then
        echo "  $font：已安装"
    else
        echo "  $font：未安装，预览用 $(fc-match -f '%{family[0]}' "$font:lang=zh-cn") 代替"
    fi
done

# --- render ---------------------------------------------------------------
# Output goes to a log: LibreOffice prints harmless warnings (javaldx …)
# that would bury the result; it is shown only when conversion fails.
lo_log="$work_dir/libreoffice.log"
if ! libreoffice --headless "-env:UserInstallation=file://$work_dir/profile" \
    --convert-to pdf --outdir "$out_dir" "$docx_path" >"$lo_log" 2>&1; then
    cat "$lo_log" >&2
fi

stem=$(basename "${docx_path%.*}")
pdf_path="$out_dir/$stem.pdf"
if [[ ! -f $pdf_path ]]; then
    cat "$lo_log" >&2
    echo "转换 PDF 失败：$docx_path" >&2
    exit 1
fi
pdftoppm -png -r 60 -f 1 -l "$pages" "$pdf_path" "$out_dir/$stem"

echo "PDF：$pdf_path"
echo "PNG（前 $pages 页）："
ls -1 "$out_dir/$stem"*.png

# Blank lines leave no text, so a page's count misses them; the page number is
# the last line of each page and is not counted.
if command -v "$python_bin" >/dev/null 2>&1; then
    echo "版面（不计空行和页码）："
    pdftotext -layout "$pdf_path" - | "$python_bin" -c '
import sys
pages = [[l.replace(" ", "") for l in p.splitlines() if l.strip()] for p in sys.stdin.read().split("\f")]
for n, lines in enumerate((p[:-1] for p in pages if p), 1):
    print(f"  第 {n} 页：{len(lines)} 行，最长一行 {max(map(len, lines), default=0)} 字")
'
fi

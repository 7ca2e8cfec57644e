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
# Environment: PYTHON (default python3) is used for the font report when it
# can import python-docx; PAGES (default 3) limits how many pages become PNG.
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

# --- font report ----------------------------------------------------------
echo "字体情况（公文字体缺失时 LibreOffice 会替换，预览字形与 Word 中不同属正常）："
official_fonts=("方正小标宋简体" "仿宋_GB2312" "黑体" "楷体_GB2312" "宋体")
if PYTHONPATH="$repo_dir${PYTHONPATH:+:$PYTHONPATH}" "$python_bin" - <<'PY' 2>/dev/null
import subprocess

from bot.drafting.export import FONT_FALLBACKS, available_cjk_fonts

installed = available_cjk_fonts()
for official, fallbacks in FONT_FALLBACKS.items():
    if official in installed:
        print(f"  {official}：已安装")
        continue
    usable = next((name for name in fallbacks if name in installed), None)
    matched = subprocess.run(
        ["fc-match", "-f", "%{family[0]}", f"{official}:lang=zh-cn"],
        capture_output=True, text=True, check=False,
    ).stdout.strip()
    hint = f"；备选字体中已安装的是 {usable}" if usable else ""
    print(f"  {official}：未安装，预览将用 {matched or '默认字体'} 代替{hint}")
PY
then
    :
else
    # Same report without the project's Python environment.
    for font in "${official_fonts[@]}"; do
        if fc-list ":family=$font" family | grep -q .; then
            echo "  $font：已安装"
        else
            echo "  $font：未安装，预览将用 $(fc-match -f '%{family[0]}' "$font:lang=zh-cn") 代替"
        fi
    done
fi

# --- render ---------------------------------------------------------------
# A private profile avoids clashing with a running LibreOffice and leaves no
# state in the user's home directory.
profile_dir=$(mktemp -d)
trap 'rm -rf "$profile_dir"' EXIT
libreoffice --headless "-env:UserInstallation=file://$profile_dir" \
    --convert-to pdf --outdir "$out_dir" "$docx_path" >/dev/null

stem=$(basename "${docx_path%.*}")
pdf_path="$out_dir/$stem.pdf"
if [[ ! -f $pdf_path ]]; then
    echo "转换 PDF 失败：$docx_path" >&2
    exit 1
fi
pdftoppm -png -r 60 -f 1 -l "$pages" "$pdf_path" "$out_dir/$stem"

echo "PDF：$pdf_path"
echo "PNG（前 $pages 页）："
ls -1 "$out_dir/$stem"*.png

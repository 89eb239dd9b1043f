#!/usr/bin/env bash
# Regenerate the hotline voice prompts. See sounds/README.md.
#
#   sounds/generate.sh            regenerate everything, then verify
#   sounds/generate.sh NAME...    regenerate only these prompts (both languages), then verify all
#   sounds/generate.sh --check    verify the committed files only (needs sox, not espeak-ng)
#
# Input:  sounds/prompts.tsv (name, zh text, en text), optional studio recordings
#         under sounds/studio/<lang>/<name>.<ext> which replace the synthetic voice.
# Output: sounds/zh/<name>.wav, sounds/en/<name>.wav, sounds/common/{beep,silence_500ms,moh}.wav
#         all 8000 Hz, mono, 16-bit signed PCM WAV.
# Needs:  espeak-ng and sox (Debian: apt-get install espeak-ng sox).
# Output is deterministic: same inputs and tool versions give byte-identical files.
set -euo pipefail
export LC_ALL=C.UTF-8

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
manifest=${MANIFEST:-$here/prompts.tsv}
studio=$here/studio

# espeak-ng voices and speeds (words per minute). The plain `cmn` voice of espeak-ng 1.51
# reads most Chinese characters as English-spelled pinyin ("ling two" for 零); the
# cmn-latn-pinyin variant is the same Mandarin voice with Latin read as pinyin, and works.
ZH_VOICE=${ZH_VOICE:-cmn-latn-pinyin}
EN_VOICE=${EN_VOICE:-en-us}
ZH_SPEED=${ZH_SPEED:-170}
EN_SPEED=${EN_SPEED:-160}

LANGS=(zh en)
COMMON=(beep silence_500ms moh)
# Target format: the engine refuses anything else at start-up.
FMT=(-r 8000 -c 1 -b 16 -e signed-integer)
PEAK_DB=-3      # speech prompts and beep: peak level in dBFS
MOH_PEAK_DB=-6  # music on hold is kept a little quieter
EDGE=0.05       # seconds of silence left at the start and end of each prompt

die() { echo "generate.sh: error: $*" >&2; exit 1; }
# -D: no dither, -R: repeatable (fixed seeds): both keep the output deterministic.
sx() { sox -D -R -V2 "$@"; }

voice_of() { case $1 in zh) echo "$ZH_VOICE" ;; en) echo "$EN_VOICE" ;; *) die "unknown language '$1'" ;; esac; }
speed_of() { case $1 in zh) echo "$ZH_SPEED" ;; en) echo "$EN_SPEED" ;; *) die "unknown language '$1'" ;; esac; }

# ---------------------------------------------------------------- manifest
declare -A TEXT=()   # TEXT[lang/name]
NAMES=()
read_manifest() {
    [[ -f $manifest ]] || die "manifest $manifest not found"
    local lineno=0 line name zh en extra
    while IFS= read -r line || [[ -n $line ]]; do
        lineno=$((lineno + 1))
        line=${line%$'\r'}
        [[ -z ${line//[[:space:]]/} || $line == \#* ]] && continue
        IFS=$'\t' read -r name zh en extra <<<"$line"
        [[ -z ${extra:-} ]] || die "$manifest:$lineno: more than 3 TAB-separated columns"
        [[ -n ${en:-} ]] || die "$manifest:$lineno: need 3 TAB-separated columns (name, zh, en)"
        [[ $name =~ ^[a-z][a-z0-9_]*$ ]] || die "$manifest:$lineno: bad name '$name' (lower snake_case)"
        [[ -z ${TEXT[zh/$name]+x} ]] || die "$manifest:$lineno: duplicate name '$name'"
        for c in "${COMMON[@]}"; do [[ $name != "$c" ]] || die "$manifest:$lineno: '$name' is a common file"; done
        TEXT[zh/$name]=$zh
        TEXT[en/$name]=$en
        NAMES+=("$name")
    done <"$manifest"
    ((${#NAMES[@]} > 0)) || die "manifest $manifest has no prompts"
}

# ---------------------------------------------------------------- synthesis
# speak LANG TEXT OUT: one espeak-ng call, raw 22.05 kHz output.
speak() {
    local lang=$1 text=$2 out=$3 voice
    voice=$(voice_of "$lang")
    if [[ $lang == zh ]]; then
        # Garble check: a Mandarin voice that falls back to English marks it with "(en)".
        local ph
        ph=$(espeak-ng -q -x -v "$voice" "$text")
        [[ $ph != *"(en)"* ]] || die "voice '$voice' reads '$text' as English: $ph"
        [[ -n ${ph//[[:space:]_|]/} ]] || die "voice '$voice' produced no phonemes for '$text'"
    fi
    espeak-ng -v "$voice" -s "$(speed_of "$lang")" -w "$out" "$text"
    [[ $(soxi -s "$out") -gt 0 ]] || die "espeak-ng produced no audio for '$text'"
}

# synth_text LANG TEXT OUT: TEXT may contain {zh:...} / {en:...} segments.
synth_text() {
    local lang=$1 text=$2 out=$3 rest=$2 seg_lang seg_text i=0
    local re_tag='^\{([a-z]+):([^}]*)\}(.*)$' re_plain='^([^{]+)(.*)$'
    local parts=()
    while [[ -n $rest ]]; do
        if [[ $rest =~ $re_tag ]]; then
            seg_lang=${BASH_REMATCH[1]} seg_text=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
        elif [[ $rest =~ $re_plain ]]; then
            seg_lang=$lang seg_text=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
        else
            die "bad {lang:...} segment in '$text'"
        fi
        [[ -n ${seg_text//[[:space:]]/} ]] || continue
        speak "$seg_lang" "$seg_text" "$tmp/seg$i.wav"
        parts+=("$tmp/seg$i.wav")
        i=$((i + 1))
    done
    ((${#parts[@]} > 0)) || die "empty text"
    if ((${#parts[@]} == 1)); then mv "${parts[0]}" "$out"; else sx "${parts[@]}" "$out"; fi
}

# finish IN OUT: to target format, trim silence to $EDGE s at both ends, peak to $PEAK_DB dBFS.
finish() {
    sx "$1" "${FMT[@]}" "$2" \
        silence 1 0.01 0.1% reverse silence 1 0.01 0.1% reverse \
        norm "$PEAK_DB" pad "$EDGE" "$EDGE"
}

studio_file() { # studio_file LANG NAME -> path of a studio recording, if any
    local f
    for f in "$studio/$1/$2".*; do [[ -f $f ]] && { echo "$f"; return 0; }; done
    return 1
}

make_prompt() { # make_prompt LANG NAME
    local lang=$1 name=$2 src out=$here/$1/$2.wav
    if src=$(studio_file "$lang" "$name"); then
        echo "  $lang/$name  <- studio/${src#"$studio/"}"
        finish "$src" "$tmp/out.wav"
    else
        synth_text "$lang" "${TEXT[$lang/$name]}" "$tmp/raw.wav"
        finish "$tmp/raw.wav" "$tmp/out.wav"
        rm -f "$tmp"/seg*.wav "$tmp/raw.wav"
    fi
    mv "$tmp/out.wav" "$out"
}

# ---------------------------------------------------------------- common files
make_beep() { # 400 ms 1 kHz sine, 5 ms ramps against clicks
    sx -n "${FMT[@]}" "$1" synth 0.4 sine 1000 fade q 0.005 0.4 0.005 norm "$PEAK_DB"
}

make_silence() { # 500 ms of digital silence
    sx -n "${FMT[@]}" "$1" trim 0 0.5
}

# Music on hold: 20 s, four bars (C, Am, F, G) of a soft sine pad under a
# pentatonic bell-like melody. Starts at sample value 0 and fades to silence at
# the end, so it loops without a click. Notes are semitones from A4 (sox %n).
make_moh() {
    local out=$1 bar=5 note=1.25 i=0 n chord
    local melody=(7 10 12 10   7 5 3 5   3 0 3 5   5 3 5 -2)
    local chords=("-9 -5 -2" "-12 -9 -5" "-16 -12 -9" "-14 -10 -7")
    local mel=() pad=() tones
    for n in "${melody[@]}"; do
        sx -n "${FMT[@]}" "$tmp/m$i.wav" synth "$note" sine "%$n" fade q 0.02 "$note" 1.2
        mel+=("$tmp/m$i.wav"); i=$((i + 1))
    done
    for chord in "${chords[@]}"; do
        tones=()
        for n in $chord; do
            sx -n "${FMT[@]}" "$tmp/t$i.wav" synth "$bar" sine "%$n" fade t 0.6 "$bar" 0.6
            tones+=("$tmp/t$i.wav"); i=$((i + 1))
        done
        sx -m "${tones[@]}" "$tmp/p$i.wav"
        pad+=("$tmp/p$i.wav"); i=$((i + 1))
    done
    sx "${mel[@]}" "$tmp/melody.wav"
    sx "${pad[@]}" "$tmp/pad.wav"
    sx -m -v 0.7 "$tmp/melody.wav" -v 0.25 "$tmp/pad.wav" "${FMT[@]}" "$tmp/mix.wav" \
        fade t 0.01 20 0.5 norm "$MOH_PEAK_DB"
    mv "$tmp/mix.wav" "$out"
    rm -f "$tmp"/m*.wav "$tmp"/t*.wav "$tmp"/p*.wav "$tmp/melody.wav" "$tmp/pad.wav"
}

make_common() { # make_common NAME
    local name=$1 src out=$here/common/$1.wav
    if src=$(studio_file common "$name"); then
        echo "  common/$name  <- studio/${src#"$studio/"}"
        case $name in
            moh) sx "$src" "${FMT[@]}" "$tmp/out.wav" norm "$MOH_PEAK_DB" ;;
            silence_500ms) make_silence "$tmp/out.wav" ;;   # nothing to record
            *) finish "$src" "$tmp/out.wav" ;;
        esac
    else
        case $name in
            beep) make_beep "$tmp/out.wav" ;;
            silence_500ms) make_silence "$tmp/out.wav" ;;
            moh) make_moh "$tmp/out.wav" ;;
        esac
    fi
    mv "$tmp/out.wav" "$out"
}

# ---------------------------------------------------------------- verification
verify() {
    local bad=0 f lang name rate ch bits enc type samples
    local files=()
    for name in "${NAMES[@]}"; do for lang in "${LANGS[@]}"; do files+=("$here/$lang/$name.wav"); done; done
    for name in "${COMMON[@]}"; do files+=("$here/common/$name.wav"); done
    for f in "${files[@]}"; do
        if [[ ! -f $f ]]; then echo "MISSING ${f#"$here/"}" >&2; bad=$((bad + 1)); continue; fi
        type=$(soxi -t "$f" 2>/dev/null) || type=?
        rate=$(soxi -r "$f" 2>/dev/null) || rate=?
        ch=$(soxi -c "$f" 2>/dev/null) || ch=?
        bits=$(soxi -b "$f" 2>/dev/null) || bits=?
        enc=$(soxi -e "$f" 2>/dev/null) || enc=?
        samples=$(soxi -s "$f" 2>/dev/null) || samples=0
        if [[ $type != wav || $rate != 8000 || $ch != 1 || $bits != 16 ||
              $enc != "Signed Integer PCM" || ! $samples -gt 0 ]]; then
            echo "BAD ${f#"$here/"}: type=$type rate=$rate channels=$ch bits=$bits encoding='$enc' samples=$samples" >&2
            bad=$((bad + 1))
        fi
    done
    # Files in the output folders that the manifest does not know about.
    for lang in "${LANGS[@]}" common; do
        for f in "$here/$lang"/*; do
            [[ -e $f ]] || continue
            name=$(basename "$f" .wav)
            if [[ $lang == common ]]; then
                [[ " ${COMMON[*]} " == *" $name "* && $f == *.wav ]] && continue
            else
                [[ -n ${TEXT[$lang/$name]+x} && $f == *.wav ]] && continue
            fi
            echo "UNKNOWN ${f#"$here/"} (not in prompts.tsv / common list)" >&2
            bad=$((bad + 1))
        done
    done
    if ((bad > 0)); then
        echo "generate.sh: VERIFY FAILED: $bad problem(s)" >&2
        exit 1
    fi
    echo "verified ${#files[@]} files: 8000 Hz, mono, 16-bit signed PCM WAV, non-empty"
}

# ---------------------------------------------------------------- main
read_manifest
if [[ ${1:-} == --check ]]; then
    command -v soxi >/dev/null || die "soxi (package sox) not found"
    verify
    exit 0
fi
command -v espeak-ng >/dev/null || die "espeak-ng not found (Debian: apt-get install espeak-ng)"
command -v sox >/dev/null || die "sox not found (Debian: apt-get install sox)"
espeak-ng --voices="$ZH_VOICE" | awk 'NR > 1' | grep -q . || die "espeak-ng voice '$ZH_VOICE' (Mandarin) is missing"
espeak-ng --voices="$EN_VOICE" | awk 'NR > 1' | grep -q . || die "espeak-ng voice '$EN_VOICE' (English) is missing"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "${LANGS[@]/#/$here/}" "$here/common"

if (($# > 0)); then
    for name in "$@"; do
        if [[ " ${COMMON[*]} " == *" $name "* ]]; then
            make_common "$name"
        else
            [[ -n ${TEXT[zh/$name]+x} ]] || die "no prompt '$name' in $manifest"
            for lang in "${LANGS[@]}"; do make_prompt "$lang" "$name"; done
        fi
    done
else
    # Remove outputs of prompts that were dropped from the manifest.
    for lang in "${LANGS[@]}"; do
        for f in "$here/$lang"/*.wav; do
            [[ -e $f ]] || continue
            name=$(basename "$f" .wav)
            [[ -n ${TEXT[$lang/$name]+x} ]] || { echo "  removing stale $lang/$name.wav"; rm -f "$f"; }
        done
    done
    for lang in "${LANGS[@]}"; do
        for name in "${NAMES[@]}"; do make_prompt "$lang" "$name"; done
    done
    for name in "${COMMON[@]}"; do make_common "$name"; done
fi
echo "espeak-ng: $(espeak-ng --version | sed 's/ *Data at.*//')  sox: $(sox --version | sed 's/.*SoX //')"
verify

"""Audio payloads: waveform envelopes with the labelled sound events, WAV per channel and a
log-mel spectrogram per channel as PNG."""

from __future__ import annotations

import io
import wave
from typing import Any

import numpy as np

from ..sensors.microphone.params import LOGMEL_HOP, LOGMEL_WINDOW
from . import images
from .store_view import NotFoundError, StoreView, Variant

ENVELOPE_BINS = 1200  # min/max pairs per channel: about one per pixel of the page's plot
N_MELS = 64
KINDS = {0: "impact", 1: "contact", 2: "source", 3: "actor"}


def _channel(view: StoreView, head: str, channel: int) -> int:
    channels = view.shape(f"{head}/waveform")[0]
    if not 0 <= channel < channels:
        raise NotFoundError(f"channel {channel} out of range ({channels} channels)")
    return channel


def _gain(view: StoreView, k: int, head: str) -> float:
    """One playback gain for the clean waveform and every variant of this sample, so that
    switching between them compares loudness honestly (peak at 0.9 of full scale)."""
    peaks = [float(np.max(np.abs(view.read(f"{head}/waveform", k)), initial=0.0))]
    for v in view.variants.values():
        if f"{head}/waveform" in v.targets:
            peaks.append(float(np.max(np.abs(view.read(v.key(f"{head}/waveform"), k)),
                                      initial=0.0)))
    peak = max(p for p in peaks if np.isfinite(p)) if any(np.isfinite(peaks)) else 0.0
    return 0.9 / peak if peak > 0 else 1.0


def events(view: StoreView, k: int, head: str) -> list[dict[str, Any]]:
    """The labelled sounds (``sources/...``, ``sources/count`` real ones)."""
    base = f"{head}/sources"
    if not view.has(f"{base}/count"):
        return []
    count = int(view.read(f"{base}/count", k))
    cols = {n: view.read(f"{base}/{n}", k) for n in ("kind", "onset", "offset", "class_a",
                                                     "class_b", "peak_db_spl")
            if view.has(f"{base}/{n}")}
    out = []
    for i in range(count):
        kind = int(cols["kind"][i]) if "kind" in cols else -1
        a = int(cols["class_a"][i]) if "class_a" in cols else -1
        b = int(cols["class_b"][i]) if "class_b" in cols else -1
        label = view.class_name(a) if a >= 0 else "?"
        if kind in (0, 1) and b >= 0:
            label += f"–{view.class_name(b)}"
        out.append({"kind": KINDS.get(kind, str(kind)), "onset": float(cols["onset"][i]),
                    "offset": float(cols["offset"][i]), "label": label,
                    "peak_db_spl": (round(float(cols["peak_db_spl"][i]), 1)
                                    if "peak_db_spl" in cols else None)})
    return out


def overview(view: StoreView, k: int, head: str, variant: Variant | None) -> dict[str, Any]:
    """Per channel min/max envelopes (``ENVELOPE_BINS`` bins, pascals), the bins where the
    variant removed or replaced audio, the events, the sample rate and duration."""
    name = head.split("/", 1)[1]
    wav, corrupted = view.read_variant(f"{head}/waveform", k, variant)
    mask = view.mask(f"{head}/waveform", k, variant)
    n = wav.shape[-1]
    bins = min(ENVELOPE_BINS, n)
    edges = np.linspace(0, n, bins + 1).astype(np.int64)
    x = np.nan_to_num(wav.astype(np.float64))
    lo = np.minimum.reduceat(x, edges[:-1], axis=-1)
    hi = np.maximum.reduceat(x, edges[:-1], axis=-1)
    lost = (np.logical_or.reduceat(mask, edges[:-1], axis=-1) if mask is not None
            else np.zeros_like(lo, bool))
    rate = view.audio_rate(name)
    return {"rate": rate, "duration": n / rate, "channels": int(wav.shape[0]),
            "corrupted": corrupted, "min": np.round(lo, 6).tolist(),
            "max": np.round(hi, 6).tolist(), "lost": lost.astype(int).tolist(),
            "peak": float(np.max(np.abs(x), initial=0.0)), "events": events(view, k, head)}


def wav_bytes(view: StoreView, k: int, head: str, channel: int, variant: Variant | None) -> bytes:
    """One channel as 16-bit PCM mono WAV at the array's sample rate."""
    channel = _channel(view, head, channel)
    data, _ = view.read_variant(f"{head}/waveform", k, variant)
    x = np.nan_to_num(data[channel].astype(np.float64)) * _gain(view, k, head)
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(round(view.audio_rate(head.split("/", 1)[1])))
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def logmel(wave_pa: np.ndarray, rate: float, n_mels: int = N_MELS) -> np.ndarray:
    """Log-mel power (dB re 1 Pa²) of one channel, (n_mels, frames), with the microphone
    model's own window and hop so it matches a stored ``logmel`` output."""
    # librosa loads Numba: imported only when a spectrogram is asked for, so browsing a
    # store without one never pays for it
    import librosa

    hop = max(1, round(LOGMEL_HOP * rate))
    win = max(2, round(LOGMEL_WINDOW * rate))
    n_fft = 1 << (win - 1).bit_length()
    mel = librosa.feature.melspectrogram(
        y=np.nan_to_num(wave_pa.astype(np.float64)), sr=rate, n_fft=n_fft, hop_length=hop,
        win_length=win, n_mels=min(n_mels, n_fft // 2 + 1), power=2.0)
    return 10.0 * np.log10(np.maximum(mel, 1e-20))


def logmel_png(view: StoreView, k: int, head: str, channel: int,
               variant: Variant | None) -> bytes:
    """The log-mel spectrogram of one channel as a PNG (time → x, low frequencies below)."""
    channel = _channel(view, head, channel)
    data, _ = view.read_variant(f"{head}/waveform", k, variant)
    return images.png(images.colour_spectrogram(
        logmel(data[channel], view.audio_rate(head.split("/", 1)[1]))))

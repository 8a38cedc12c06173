"""safetensors read/write written by hand: u64 little-endian header length, JSON header
{name: {dtype, shape, data_offsets: [begin, end]}} (offsets relative to the byte after the header), raw LE data."""
import json, struct
import numpy as np
import torch

_NP = {'F16': np.float16, 'F32': np.float32, 'BF16': np.uint16}


def write(path, tensors, metadata=None, dtype='F16'):
    """tensors: dict name -> torch tensor; stored as F16 (or F32) in name order."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu()
        if dtype == 'F16':
            a = t.to(torch.float16).contiguous().numpy()
        elif dtype == 'F32':
            a = t.to(torch.float32).contiguous().numpy()
        else:
            raise ValueError(dtype)
        b = a.astype(a.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b); off += len(b)
    if metadata:
        header['__metadata__'] = metadata
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as fh:
        fh.write(struct.pack('<Q', len(h)))
        fh.write(h)
        for b in blobs:
            fh.write(b)


def read(path):
    """-> dict name -> float32 torch tensor."""
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        s, e = info['data_offsets']
        a = np.frombuffer(raw[base + s:base + e], dtype=np.dtype(_NP[info['dtype']]).newbyteorder('<')).reshape(info['shape'])
        if info['dtype'] == 'BF16':
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = torch.from_numpy(a.astype(np.float32))
    return out

"""The unpacked copies of the shipped .npz files (review.resources.open_arrays): the same arrays, read without
inflating them, made once, renewed when the file changes, never from a folder others can write."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from review.resources import UnpackedArrays, open_arrays


@pytest.fixture()
def folders(tmp_path, monkeypatch):
    models, cache = tmp_path / "models", tmp_path / "cache"
    models.mkdir()
    monkeypatch.setenv("REVIEW_MODELS", str(models))
    monkeypatch.setenv("REVIEW_CACHE", str(cache))
    return models, cache


def _copies(cache):
    return sorted(p.name for p in cache.glob("arrays-*")) if cache.exists() else []


def test_a_shipped_file_is_unpacked_once_and_reads_the_same(folders, monkeypatch):
    models, cache = folders
    path = models / "m.npz"
    counts = np.arange(50_000, dtype=np.int64) * 7
    names = np.array(["甲", "乙"])
    np.savez_compressed(path, counts=counts, names=names, order=np.asfortranarray(np.ones((3, 4), np.float32)))
    with open_arrays(path) as arrays:
        assert isinstance(arrays, UnpackedArrays) and sorted(arrays.files) == ["counts", "names", "order"]
        assert np.array_equal(arrays["counts"], counts) and arrays["counts"].dtype == np.int64
        assert list(arrays["names"]) == ["甲", "乙"] and arrays["order"].flags.f_contiguous
        with pytest.raises(KeyError):
            arrays["missing"]
    assert len(_copies(cache)) == 1
    # the second open reads the copy: the compressed members are not opened again
    def refuse(*args, **kwargs):
        raise AssertionError("inflated again")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    with open_arrays(path) as again:
        assert np.array_equal(again["counts"], counts)


def test_a_retrained_file_gets_a_new_copy_and_the_old_one_goes(folders):
    models, cache = folders
    path = models / "m.npz"
    np.savez_compressed(path, weights=np.zeros(1000))
    with open_arrays(path) as arrays:
        assert not arrays["weights"].any()
    first = _copies(cache)
    np.savez_compressed(path, weights=np.ones(1000))
    with open_arrays(path) as arrays:
        assert arrays["weights"].all()
    second = _copies(cache)
    assert len(first) == len(second) == 1 and first != second


def test_a_removed_member_is_unpacked_again(folders):
    models, cache = folders
    path = models / "m.npz"
    np.savez_compressed(path, a=np.arange(10), b=np.arange(5))
    open_arrays(path)
    (cache / _copies(cache)[0] / "b.npy").unlink()
    with open_arrays(path) as arrays:
        assert np.array_equal(arrays["b"], np.arange(5))


def test_other_and_uncompressed_files_and_a_shared_cache_are_read_directly(folders, tmp_path):
    models, cache = folders
    elsewhere = tmp_path / "elsewhere.npz"
    np.savez_compressed(elsewhere, a=np.arange(10))
    plain = models / "plain.npz"
    np.savez(plain, a=np.arange(10))
    for path in (elsewhere, plain):
        with open_arrays(path) as arrays:
            assert not isinstance(arrays, UnpackedArrays) and np.array_equal(arrays["a"], np.arange(10))
    assert _copies(cache) == []
    shipped = models / "m.npz"
    np.savez_compressed(shipped, a=np.arange(10))
    cache.mkdir(exist_ok=True)
    cache.chmod(0o777)  # others could swap the copies: not used
    with open_arrays(shipped) as arrays:
        assert not isinstance(arrays, UnpackedArrays) and np.array_equal(arrays["a"], np.arange(10))
    assert _copies(cache) == []
    with pytest.raises(FileNotFoundError):
        open_arrays(models / "absent.npz")


def test_a_member_name_with_a_folder_is_never_written_to_the_cache(folders):
    # the cache writes each member under its own name: a name that climbs out of the folder is read, not copied
    models, cache = folders
    path = models / "odd.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("../escape.npy", "w") as member:
            np.save(member, np.arange(3))
    with open_arrays(path) as arrays:
        assert not isinstance(arrays, UnpackedArrays) and np.array_equal(arrays["../escape"], np.arange(3))
    assert _copies(cache) == [] and not (cache.parent / "escape.npy").exists()


# ---- arrays built at warm-up (review.resources.cached_build) ---------------------------------------------------


def _built(cache, name="table"):
    return sorted(p.name for p in cache.glob(f"built-{name}-*")) if cache.exists() else []


def test_built_arrays_are_stored_once_and_mapped_read_only_after(folders):
    _, cache = folders
    from review.resources import cached_build

    calls = []

    def build():
        calls.append(1)
        return {"keys": np.arange(10, dtype=np.int64), "flags": np.ones(4, dtype=np.uint8)}

    first = cached_build("table", "k1", build)
    again = cached_build("table", "k1", build)
    assert calls == [1] and len(_built(cache)) == 1
    assert sorted(again) == ["flags", "keys"] and np.array_equal(again["keys"], first["keys"])
    assert type(again["keys"]) is np.ndarray and not again["keys"].flags.writeable
    assert isinstance(again["keys"].base, np.memmap)  # a view of the mapped file, not a copy
    with pytest.raises(ValueError):
        cached_build("table", "../escape", build)
    with pytest.raises(ValueError):
        cached_build("table", "k2", lambda: {"../x": np.zeros(1)})


def test_a_damaged_copy_is_built_again_and_old_keys_give_way(folders):
    _, cache = folders
    from review.resources import cached_build

    made = {"keys": np.arange(5, dtype=np.int64)}
    cached_build("table", "k1", lambda: made)
    (folder,) = cache.glob("built-table-k1")
    (folder / "keys.npy").write_bytes(b"not an array")
    assert np.array_equal(cached_build("table", "k1", lambda: made)["keys"], made["keys"])
    assert np.array_equal(np.load(folder / "keys.npy"), made["keys"])  # the good copy is back
    cached_build("table", "k2", lambda: made, keep=2)
    cached_build("table", "k3", lambda: made, keep=2)
    assert _built(cache) == ["built-table-k2", "built-table-k3"]  # the two used last
    cached_build("other", "k1", lambda: made)
    assert _built(cache) == ["built-table-k2", "built-table-k3"] and _built(cache, "other") == ["built-other-k1"]


def test_without_a_private_folder_built_arrays_are_built_each_time(tmp_path, monkeypatch):
    from review.resources import cached_build

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # others may write: not used
    monkeypatch.setenv("REVIEW_CACHE", str(shared))
    calls = []
    for _ in range(2):
        cached_build("table", "k1", lambda: calls.append(1) or {"keys": np.arange(3)})
    assert len(calls) == 2 and not list(shared.glob("built-*"))


def test_a_cached_hash_index_answers_as_a_built_one(folders):
    _, cache = folders
    from review.typo.ngram import HashIndex

    rng = np.random.default_rng(4)
    keys = np.unique(rng.integers(0, 2**40, size=5_000)).astype(np.int64)
    counts = rng.integers(1, 1000, size=len(keys)).astype(np.uint32)
    queries = np.concatenate([keys[::3], rng.integers(0, 2**40, size=2_000)]).astype(np.int64)
    built = HashIndex.build(keys, counts)
    first, second = HashIndex.cached(keys, counts), HashIndex.cached(keys, counts)
    assert len(_built(cache, "ngram_index")) == 1 and not second.keys.flags.writeable
    for index in (first, second):
        assert np.array_equal(index.lookup(queries), built.lookup(queries))
    other = HashIndex.cached(keys, counts + 1)  # other counts: another key
    assert np.array_equal(other.lookup(keys), counts + 1.0) and len(_built(cache, "ngram_index")) == 2
    arrays = built.arrays()
    arrays["starts"] = arrays["starts"][:-1]
    with pytest.raises(ValueError):
        HashIndex.from_arrays(arrays)

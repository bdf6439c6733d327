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

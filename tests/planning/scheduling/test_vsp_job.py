"""The job reads .inp, .inp.gz and .zip files and checks its own answer."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from busbrain.planning.jobs.vsp import read_instance, solve_file
from busbrain.planning.scheduling.instance import InstanceError

from .test_instance import GOLDEN


def test_reads_all_three_forms(tmp_path: Path) -> None:
    plain = tmp_path / "g.inp"
    plain.write_text(GOLDEN)
    gz = tmp_path / "g.inp.gz"
    gz.write_bytes(gzip.compress(GOLDEN.encode()))
    zp = tmp_path / "g.zip"
    with zipfile.ZipFile(zp, "w") as zf:
        zf.writestr("g.inp", GOLDEN)
    for path in (plain, gz, zp):
        inst = read_instance(path)
        assert (inst.n_depots, inst.n_trips) == (2, 3)


def test_zip_needs_exactly_one_inp(tmp_path: Path) -> None:
    empty = tmp_path / "none.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(
        InstanceError, match=r"none.zip: expected exactly one .inp inside, found none"
    ):
        read_instance(empty)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.inp", GOLDEN)
        zf.writestr("b.inp", GOLDEN)
    with pytest.raises(InstanceError, match=r"found a\.inp, b\.inp"):
        read_instance(two)


def test_parse_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.inp"
    bad.write_text("2 3 2 1\n-1 -1 1\n")
    with pytest.raises(InstanceError, match=r"bad\.inp: 1 matrix rows, expected m \+ n = 5"):
        read_instance(bad)


def test_solve_file(tmp_path: Path) -> None:
    plain = tmp_path / "g.inp"
    plain.write_text(GOLDEN)
    out = solve_file(plain, 5.0)
    assert out["vehicles"] == 1
    assert out["cost"] == 5010 + 7 + 9 + 5005
    assert out["seconds"] >= 0

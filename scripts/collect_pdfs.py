"""Copy the PDF files that Debian packages install into one folder, for ``pxocr synth --pdfs FOLDER``.

    python scripts/collect_pdfs.py runs/latex-pdfs texlive-latex-base-doc texlive-latex-recommended-doc

A package that is not installed is downloaded (``apt-get download``) and unpacked into a temporary
folder rather than installed: TeX Live's documentation packages would otherwise add their files to
``/usr/share/doc/texlive-doc``, which ``pxocr synth --pdfs train`` reads. Gzipped PDF files (``*.pdf.gz``)
are unpacked. Each file is named by its path under ``/usr/share/doc`` with ``/`` as ``_``, so that two
manuals both called ``manual.pdf`` stay two files. The documents kept for evaluation
(``pxocr.synth.pdf.NEVER``) are refused.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

from pxocr.synth.pdf import NEVER


def package_pdfs(package: str, scratch: str) -> list[tuple[str, str]]:
    """(file, its path as installed) of each PDF file (plain or gzipped) of ``package``: the installed
    files, or those of the downloaded package unpacked under ``scratch``."""
    listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
    if listing.returncode == 0:
        return [(p, p) for p in listing.stdout.split() if p.endswith((".pdf", ".pdf.gz")) and os.path.isfile(p)]
    fetched = subprocess.run(["apt-get", "download", package], cwd=scratch, capture_output=True, text=True)
    debs = [f for f in os.listdir(scratch) if f.startswith(package + "_") and f.endswith(".deb")]
    if fetched.returncode != 0 or not debs:
        sys.exit(f"collect_pdfs: {package}: neither installed nor downloadable ({fetched.stderr.strip()})")
    root = os.path.join(scratch, package)
    subprocess.run(["dpkg-deb", "-x", os.path.join(scratch, debs[0]), root], check=True)
    return [(os.path.join(folder, f), os.path.join("/", os.path.relpath(os.path.join(folder, f), root)))
            for folder, _, names in os.walk(root) for f in names if f.endswith((".pdf", ".pdf.gz"))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="folder to write the PDF files into")
    ap.add_argument("packages", nargs="+", help="Debian packages whose PDF files to copy")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    count = 0
    scratch = tempfile.mkdtemp(prefix="collect_pdfs.")
    for package in args.packages:
        if any(x in package for x in NEVER):
            sys.exit(f"collect_pdfs: {package} holds documents kept for evaluation")
        for path, installed in package_pdfs(package, scratch):
            name = os.path.relpath(installed.removesuffix(".gz"), "/usr/share/doc").replace("/", "_")
            target = os.path.join(args.out, name)
            source = gzip.open(path) if path.endswith(".gz") else open(path, "rb")
            with source as src, open(target + ".part", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(target + ".part", target)
            count += 1
    shutil.rmtree(scratch)
    print(f"{count} PDF files in {args.out}")


if __name__ == "__main__":
    main()

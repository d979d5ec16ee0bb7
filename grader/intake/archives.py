"""Archives a hand-in comes in, unpacked without trusting them.

zip and tar (.tar, .tar.gz, .tgz, .tar.bz2, .tar.xz) with the standard library; 7z and
RAR with libarchive (the libarchive-c package over the system's libarchive). Every
archive is read member by member and written by this module, never extracted by the
library, so that:
- a member named with `..` or an absolute path refuses the hand-in (locate.Refused, an
  integrity problem), never written;
- a link member (symbolic or hard) is never created: it is returned in `links`, for the
  caller to refuse when it leaves the hand-in;
- bytes written and members counted are bounded across every archive of one hand-in (a
  `Budget`), whatever sizes the archive declares (zip bombs);
- a zip's file names written by a Windows archiver in the local code page (cp950, GBK)
  are read as such, not as cp437.
"""

import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from grader.intake.locate import DEEPEST, Refused

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # of one hand-in, every nested archive included
MAX_MEMBERS = 5000
CHUNK = 1 << 16
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
LIBARCHIVE_SUFFIXES = (".7z", ".rar")
SUFFIXES = (".zip", *TAR_SUFFIXES, *LIBARCHIVE_SUFFIXES)
# The one line that makes 7z and RAR readable where libarchive is missing.
LIBARCHIVE_FIX = ("pip install libarchive-c (and, where the system has no libarchive, "
                  "sudo apt-get install libarchive13)")


class BadArchive(ValueError):
    """An archive that cannot be unpacked safely; the message says why, for the TA."""


def is_archive(path):
    return Path(path).name.lower().endswith(SUFFIXES)


def archive_stem(name):
    """The name without its archive suffix (`a.tar.gz` gives `a`)."""
    lowered = name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class Budget:
    """What one hand-in may still unpack, shared by its nested archives."""

    bytes: int = MAX_UNPACKED_BYTES
    members: int = MAX_MEMBERS

    def take_member(self, archive):
        self.members -= 1
        if self.members < 0:
            raise BadArchive(f"{archive.name} holds more than {MAX_MEMBERS} files: hand in "
                             "the code without the data or environment folders")

    def take_bytes(self, count, archive):
        self.bytes -= count
        if self.bytes < 0:
            raise BadArchive(f"{archive.name} unpacks to more than "
                             f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB")


@dataclass
class Unpacked:
    folder: Path
    links: list = field(default_factory=list)  # (member name, where it points)


def printable(text):
    """A link's target as the reasons and notes quote it: a link member holds any bytes
    (NUL, line breaks), which no grade sheet's cell should carry."""
    return "".join(c if c.isprintable() else "?" for c in text)


def safe_member(archive, name):
    """The relative path a member is written at; BadArchive for one leaving the archive."""
    parts = [part for part in PurePosixPath(name.replace("\\", "/")).parts if part not in ("", ".")]
    if name.replace("\\", "/").startswith("/") or (parts and parts[0].endswith(":")) \
            or ".." in parts:
        raise Refused(f"{archive.name} holds {printable(name)}, a path outside the archive: "
                      "it is never written; hand in an archive of the folder itself")
    if len(parts) > DEEPEST:
        raise BadArchive(f"{archive.name} nests folders more than {DEEPEST} deep: "
                         f"{'/'.join(parts[:3])}/...")
    return Path(*parts) if parts else None


def _write(archive, destination, name, chunks, budget):
    relative = safe_member(archive, name)
    if relative is None:
        return
    target = destination / relative
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as stream:
            for chunk in chunks:
                budget.take_bytes(len(chunk), archive)
                stream.write(chunk)
    except OSError as error:
        raise BadArchive(f"{archive.name}: cannot unpack {name}: {error.strerror}") from None


def _zip_name(info):
    """A member's name, read in the code page a Windows archiver wrote it in."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for encoding in ("utf-8", "cp950", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _chunks(stream):
    while chunk := stream.read(CHUNK):
        yield chunk


def _unpack_zip(archive, destination, budget, unpacked):
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            budget.take_member(archive)
            name = _zip_name(info)
            if stat.S_ISLNK(info.external_attr >> 16):
                with opened.open(info) as stream:  # a link's target: never all of a bomb
                    target = stream.read(1024)
                unpacked.links.append((name, printable(target.decode(errors="replace"))))
            elif info.is_dir():
                safe_member(archive, name)
            else:
                with opened.open(info) as stream:
                    _write(archive, destination, name, _chunks(stream), budget)


def _unpack_tar(archive, destination, budget, unpacked):
    with tarfile.open(archive) as opened:
        for member in opened:
            budget.take_member(archive)
            if not member.isfile():
                # tarfile reads past the size a member declares, whatever its type (an
                # unknown type's data too): counted before the next member is read.
                budget.take_bytes(member.size, archive)
            if member.issym() or member.islnk():
                unpacked.links.append((member.name, printable(member.linkname)))
            elif member.isfile():
                with opened.extractfile(member) as stream:
                    _write(archive, destination, member.name, _chunks(stream), budget)
            else:
                safe_member(archive, member.name)  # folders, devices: never created


def _unpack_libarchive(archive, destination, budget, unpacked):
    try:
        import libarchive
    # Without the system's library, libarchive-c fails at import in several ways.
    except Exception:  # noqa: BLE001
        raise BadArchive(f"{archive.name} is a {archive.suffix} archive, which this grader "
                         f"cannot open here: {LIBARCHIVE_FIX}; or unpack it and regrade "
                         "the folder") from None
    try:
        with libarchive.file_reader(str(archive)) as opened:
            for entry in opened:
                budget.take_member(archive)
                if not entry.isfile:  # its data is read past too (see _unpack_tar)
                    budget.take_bytes(entry.size or 0, archive)
                if entry.issym or entry.islnk:
                    unpacked.links.append((entry.pathname, printable(entry.linkpath or "")))
                elif entry.isfile:
                    _write(archive, destination, entry.pathname, entry.get_blocks(), budget)
                else:
                    safe_member(archive, entry.pathname)
    except libarchive.exception.ArchiveError as error:
        raise BadArchive(f"{archive.name} is not a readable archive: {error}") from None


def unpack(archive, destination, budget=None):
    """Unpack archive into destination (created); returns Unpacked. Raises BadArchive."""
    archive, destination = Path(archive), Path(destination)
    budget = Budget() if budget is None else budget
    destination.mkdir(parents=True, exist_ok=True)
    unpacked = Unpacked(destination)
    lowered = archive.name.lower()
    reader = (_unpack_zip if lowered.endswith(".zip") else _unpack_tar
              if lowered.endswith(TAR_SUFFIXES) else _unpack_libarchive)
    try:
        reader(archive, destination, budget, unpacked)
    except (BadArchive, Refused):
        shutil.rmtree(destination, ignore_errors=True)
        raise
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, ValueError, OSError,
            NotImplementedError, RuntimeError) as error:
        # RuntimeError: zipfile's "password required"; NotImplementedError: its unknown
        # compression methods; OSError and EOFError: a truncated or corrupt stream.
        shutil.rmtree(destination, ignore_errors=True)
        raise BadArchive(f"{archive.name} is not a readable archive "
                         f"({type(error).__name__}: {error})") from None
    return unpacked


def newest_member_time(archive):
    """The latest modification time stored for a member of archive (the hand-in's own
    clock, which a download does not reset), or None when it cannot be read."""
    try:
        lowered = archive.name.lower()
        if lowered.endswith(".zip"):
            with zipfile.ZipFile(archive) as opened:
                stamps = [datetime(*info.date_time).timestamp() for info in opened.infolist()]
        elif lowered.endswith(TAR_SUFFIXES):
            stamps, left = [], MAX_UNPACKED_BYTES  # read no further than unpack would
            with tarfile.open(archive) as opened:
                for member in opened:
                    stamps.append(member.mtime)
                    left -= member.size
                    if left < 0 or len(stamps) > MAX_MEMBERS:
                        return None
        else:
            import libarchive

            with libarchive.file_reader(str(archive)) as opened:
                stamps = [entry.mtime for entry in opened if entry.mtime]
    except Exception:  # noqa: BLE001 - an unreadable archive has no time; unpack says why
        return None
    return max(stamps, default=None)


def describe_time(stamp):
    if stamp is None:
        return "no date"
    return datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")

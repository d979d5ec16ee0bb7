"""When each submission was handed in, from what the course's platform recorded.

Sources, the first that knows wins:
1. the Moodle grading worksheet (policy `worksheet`): "Last modified (submission)" of
   the row with the submission's participant number;
2. the Moodle bulk download as Moodle zipped it (policy `download`, or the download's
   zip given to regrade as it is): the newest entry of the submission's folder (Moodle
   stamps each file with its upload time);
3. a Moodle download folder or file on disk: the newest file time in it (unzip keeps the
   times Moodle wrote; an extractor that does not gives the extraction time instead:
   use 1 or 2 then);
4. a hand-in archive of its own (one mailed in, say): the newest of its entries. The
   student's machine wrote those, so the source says so (`handed_in_from`), for the TA
   to weigh; an override settles a doubt.
Anything else (a cloned repository, a bare file) has no known hand-in time: file times
on the TA's disk say when it was copied, not handed in. Times written without a zone
are in the policy's.
"""

import datetime
import re
import zipfile
from pathlib import Path

from grader.intake.archives import is_archive, newest_member_time
from grader.intake.locate import walk
from grader.regrade.worksheet import hand_in_times, read_worksheet

MOODLE_FOLDER = re.compile(r"_(?P<participant>\d+)_assignsubmission_", re.IGNORECASE)

def participant_of(name):
    """The Moodle participant number in a download's folder or file name, or ""."""
    found = MOODLE_FOLDER.search(name)
    return found["participant"] if found else ""


def download_times(archive, timezone=None):
    """{participant: newest entry time} of Moodle's bulk download zip."""
    found = {}
    try:
        with zipfile.ZipFile(archive) as opened:
            for member in opened.infolist():
                # the students' folders at the top, or in the one folder there
                participant = next(filter(None, map(participant_of,
                                                    member.filename.split("/")[:2])), "")
                if participant and not member.is_dir():
                    moment = datetime.datetime(*member.date_time)
                    moment = moment.replace(tzinfo=timezone) if timezone else moment.astimezone()
                    found[participant] = max(found.get(participant, moment), moment)
    except (OSError, zipfile.BadZipFile) as error:
        raise ValueError(f"cannot read the Moodle download {archive}: {error}") from None
    return found


def folder_time(path):
    """The newest file time of a Moodle download folder or file (aware), or None."""
    path = Path(path)
    if path.is_symlink() or not path.exists():
        return None
    files = [path] if path.is_file() else walk(path)[0]
    if not files:
        return None
    newest = max(p.stat().st_mtime for p in files)
    return datetime.datetime.fromtimestamp(newest, datetime.timezone.utc)


def archive_time(archive, timezone=None):
    """The newest entry time of a hand-in archive (aware), or None."""
    if not archive.name.lower().endswith(".zip"):  # tar and the others store epoch times
        stamp = newest_member_time(archive)
        return None if stamp is None else datetime.datetime.fromtimestamp(
            stamp, datetime.timezone.utc)
    try:
        with zipfile.ZipFile(archive) as opened:
            stamps = [member.date_time for member in opened.infolist() if not member.is_dir()]
    except (OSError, zipfile.BadZipFile):
        return None
    if not stamps:
        return None
    moment = datetime.datetime(*max(stamps))
    return moment.replace(tzinfo=timezone) if timezone else moment.astimezone()


def hand_in_time(path, participant, recorded, timezone=None):
    """(aware time, where it came from) of one submission, or (None, "")."""
    path = Path(path)
    if participant and participant in recorded:
        return recorded[participant]
    if participant_of(path.name):
        moment = folder_time(path)
        if moment is not None:
            return moment, "the Moodle download's file times"
    archive = path if is_archive(path) and path.is_file() else inner_archive(path)
    moment = archive_time(archive, timezone) if archive is not None else None
    if moment is not None:
        return moment, "the archive's own entries (the student's clock)"
    return None, ""


def inner_archive(folder):
    """The one archive a folder holds, else None."""
    if not folder.is_dir() or folder.is_symlink():
        return None
    archives = [child for child in folder.iterdir()
                if is_archive(child) and child.is_file() and not child.is_symlink()]
    return archives[0] if len(archives) == 1 else None


def submission_times(entries, policy, downloads=()):
    """{submission: (ISO hand-in time or "", its source)}; raises ValueError for a
    worksheet or download of the policy that cannot be read.

    downloads: Moodle download zips regrade was given as they are (and unpacked, which
    leaves their files the unpacking's time): their entries say when each was handed in.
    """
    recorded = {}
    for archive in downloads:
        for participant, moment in download_times(archive, policy.timezone).items():
            recorded[participant] = (moment, "Moodle's download archive")
    recorded.update(recorded_times(policy))
    found = {}
    for entry in entries:
        moment, source = hand_in_time(entry.path, entry.identity.participant, recorded,
                                      policy.timezone)
        found[entry.name] = (moment.isoformat() if moment else "", source)
    return found


def recorded_times(policy):
    """{participant: (aware time, source)} from the policy's worksheet and download (the
    worksheet wins)."""
    found = {}
    if policy.download is not None:
        for participant, moment in download_times(policy.download, policy.timezone).items():
            found[participant] = (moment, "Moodle's download archive")
    if policy.worksheet is not None:
        sheet = read_worksheet(policy.worksheet)
        for participant, moment in hand_in_times(sheet, policy.timezone).items():
            found[participant] = (moment, "the worksheet's last modified (submission)")
    return found

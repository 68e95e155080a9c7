"""What an import answers: the report of created, updated and rejected rows, and the errors that stop a file."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.errors import AppError, Conflict
from service.importing.catalogue import ImportKind


class RejectedRow(BaseModel):
    """A row left out, with its number as Excel shows it (the header is row 1) and why, in Chinese."""

    row: int = Field(description="行号（与 Excel 中的行号一致）")
    reason: str = Field(description="未导入的原因")
    column: str | None = Field(default=None, description="出问题的列（表头）")


class ImportReport(BaseModel):
    """The outcome of one file. `total_rows` = created + updated + len(rejected); empty rows are not counted."""

    kind: ImportKind
    dry_run: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[RejectedRow] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list, description="文件中未识别、未导入的列")


class BadUpload(AppError):
    """The file as a whole cannot be read (wrong type, too large, broken, no header)."""

    status_code = 400
    code = "bad_upload"


class BadHeader(AppError):
    """The header row is missing, lacks a required column, or names a column twice."""

    status_code = 422
    code = "bad_header"


class ImportAborted(Conflict):
    """The database refused the good rows part-way; everything was rolled back."""

    code = "import_aborted"

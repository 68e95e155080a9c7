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
    """The outcome of one file. `total_rows` = created + updated + rejected_count; empty rows are not counted.

    `rejected` lists every rejected row, or, when there are very many, the first ones (by row number): then
    `rejected_count` is larger than the list and a note says how many were left out.
    """

    kind: ImportKind
    dry_run: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    rejected_count: int = Field(default=0, description="未导入的行数（含下面未逐行列出的）")
    rejected: list[RejectedRow] = Field(default_factory=list, description="未导入的行（很多时只列出前面的）")
    ignored_columns: list[str] = Field(default_factory=list, description="文件中未识别、未导入的列")
    notes: list[str] = Field(default_factory=list, description="给导入人的说明（如未读取的列、未列出的行数）")


class BadUpload(AppError):
    """The file as a whole cannot be read (wrong type, too large, broken, no header)."""

    status_code = 400
    code = "bad_upload"


class FileTooLarge(BadUpload):
    """The file is beyond what one import reads (rows, columns, cells, merged ranges, unpacked size)."""

    status_code = 422
    code = "file_too_large"


class BadHeader(AppError):
    """The header row is missing, lacks a required column, or names a column twice."""

    status_code = 422
    code = "bad_header"


class ImportAborted(Conflict):
    """The database refused the good rows part-way; everything was rolled back."""

    code = "import_aborted"

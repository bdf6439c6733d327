"""Reading files for review: .docx, PDF with a text layer, HTML (WeChat articles), images (OCR, the optional extra
`ocr`) and plain text, each into one typed `Extracted` (the text and a source map), and reviewing it as one post
with offsets into the extracted text. See docs/inputs.md."""

from review.inputs.extract import SUPPORTED_SUFFIXES, extract, extract_path, folder_files
from review.inputs.limits import InputLimits
from review.inputs.ocr import OCR_MISSING, ocr_available, ocr_problem
from review.inputs.review_file import review_extracted, sections
from review.inputs.types import Extracted, ImageInfo, SourceSpan

__all__ = [
    "Extracted", "ImageInfo", "InputLimits", "OCR_MISSING", "SUPPORTED_SUFFIXES", "SourceSpan", "extract",
    "extract_path", "folder_files", "ocr_available", "ocr_problem", "review_extracted", "sections",
]

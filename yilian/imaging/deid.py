"""De-identification of DICOM datasets, built on the Basic Application Level Confidentiality
Profile (DICOM PS3.15 Annex E, table E.1-1) but by a list of what is KEPT rather than of what
is removed: an attribute the list below does not name is removed, whatever it is — a tag the
profile's table lists, a newer one, a vendor's. So an identifying attribute nobody thought of
never survives.

What is kept is what the viewer needs to show the images and nothing else:

* the image pixel module (pixels, their layout and photometric interpretation, frames);
* geometry (position, orientation, spacing, thickness, slice location) for slice order;
* the modality LUT and VOI window (rescale, window centre/width) for window/level;
* the series grouping: the study, series and frame-of-reference UIDs (remapped), the series
  and instance numbers, the modality, the SOP class, the image type;
* a few coded, non-identifying facts: manufacturer, body position, laterality, lossy
  compression, burned-in annotation / recognisable features flags;
* the functional-group sequences of enhanced (multi-frame) images and source / referenced
  image sequences, whose items go through the same keep list.

Study and series descriptions, protocol names, comments and every other free text are
removed: they are written by people and may name the patient. Every date and time is removed,
except the Type 2 study and content date/time, which are emptied (the standard requires them
present). The Type 2 patient and study identifiers are emptied likewise. Every UID kept except
the class UIDs and the transfer syntax is replaced by a new one, the same one for each
occurrence within a study. Private attributes are removed. The file meta information is
rebuilt from the SOP class, the new SOP instance UID and the transfer syntax.

An image whose Burned In Annotation is YES has identifying text in its pixels that no change
of attributes removes: it is refused (``BurnedInText``) rather than passed as de-identified.

The patient link is kept in Yilian's database (the study belongs to a request about a
patient), never in the files."""

from __future__ import annotations

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, generate_uid

METHOD = "DICOM PS3.15 E.1 Basic Confidentiality Profile, keep list"  # LO: at most 64

# Kept as they are (UIDs among them are remapped, see CLASS_UIDS).
KEEP: frozenset[str] = frozenset(
    {
        # SOP common, series grouping
        "SpecificCharacterSet",
        "SOPClassUID",
        "SOPInstanceUID",
        "StudyInstanceUID",
        "SeriesInstanceUID",
        "FrameOfReferenceUID",
        "Modality",
        "SeriesNumber",
        "InstanceNumber",
        "AcquisitionNumber",
        "ImageType",
        "Manufacturer",
        "PatientPosition",
        "Laterality",
        "ImageLaterality",
        "PatientOrientation",
        # Image pixel module
        "SamplesPerPixel",
        "PhotometricInterpretation",
        "Rows",
        "Columns",
        "BitsAllocated",
        "BitsStored",
        "HighBit",
        "PixelRepresentation",
        "PlanarConfiguration",
        "PixelAspectRatio",
        "SmallestImagePixelValue",
        "LargestImagePixelValue",
        "PixelPaddingValue",
        "RedPaletteColorLookupTableDescriptor",
        "GreenPaletteColorLookupTableDescriptor",
        "BluePaletteColorLookupTableDescriptor",
        "RedPaletteColorLookupTableData",
        "GreenPaletteColorLookupTableData",
        "BluePaletteColorLookupTableData",
        "PixelData",
        "FloatPixelData",
        "DoubleFloatPixelData",
        "NumberOfFrames",
        "FrameIncrementPointer",
        "FrameTime",
        "LossyImageCompression",
        "LossyImageCompressionRatio",
        "LossyImageCompressionMethod",
        "BurnedInAnnotation",
        "RecognizableVisualFeatures",
        # Geometry
        "ImagePositionPatient",
        "ImageOrientationPatient",
        "PixelSpacing",
        "ImagerPixelSpacing",
        "SliceThickness",
        "SpacingBetweenSlices",
        "SliceLocation",
        # Modality LUT, VOI LUT, presentation
        "RescaleIntercept",
        "RescaleSlope",
        "RescaleType",
        "WindowCenter",
        "WindowWidth",
        "VOILUTFunction",
        "PresentationLUTShape",
        # Enhanced multi-frame images: functional groups (items filtered by this list)
        "SharedFunctionalGroupsSequence",
        "PerFrameFunctionalGroupsSequence",
        "PixelMeasuresSequence",
        "PlanePositionSequence",
        "PlaneOrientationSequence",
        "PixelValueTransformationSequence",
        "FrameVOILUTSequence",
        "FrameContentSequence",
        "DimensionIndexValues",
        "InStackPositionNumber",
        "StackID",
        "TemporalPositionIndex",
        # Image references (items filtered by this list)
        "SourceImageSequence",
        "ReferencedImageSequence",
        "ReferencedSOPClassUID",
        "ReferencedSOPInstanceUID",
        "ReferencedFrameNumber",
    }
)

# Type 2 attributes (required, may be empty): present and empty in every de-identified file.
EMPTY_ALWAYS: tuple[str, ...] = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "StudyID",
    "AccessionNumber",
)
# Type 2C attributes: emptied when the file has them.
EMPTY_IF_PRESENT: frozenset[str] = frozenset({"ContentDate", "ContentTime"})

# UIDs that name a kind of thing, not a thing: kept as they are. Every other UID is remapped.
CLASS_UIDS: frozenset[str] = frozenset(
    {"SOPClassUID", "ReferencedSOPClassUID", "MediaStorageSOPClassUID", "TransferSyntaxUID"}
)


class BurnedInText(ValueError):
    """The image says it has identifying text burned into its pixels."""


class UidMap:
    """Old UID -> new UID, the same new UID for every occurrence within one upload."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self._map: dict[str, str] = dict(known or {})

    def as_dict(self) -> dict[str, str]:
        return dict(self._map)

    def __call__(self, uid: str) -> str:
        uid = str(uid)
        if uid not in self._map:
            self._map[uid] = generate_uid()
        return self._map[uid]


def burned_in_text(ds: Dataset) -> bool:
    return str(ds.get("BurnedInAnnotation", "") or "").strip().upper() == "YES"


def deidentify(ds: Dataset, uids: UidMap) -> Dataset:
    """De-identify ``ds`` in place (and return it); ``BurnedInText`` if it cannot be."""
    if burned_in_text(ds):
        raise BurnedInText
    _apply(ds, uids)
    for keyword in EMPTY_ALWAYS:
        setattr(ds, keyword, "")
    _rebuild_file_meta(ds)
    ds.PatientIdentityRemoved = "YES"
    ds.LongitudinalTemporalInformationModified = "REMOVED"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue = "113100"
    code.CodingSchemeDesignator = "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = [code]
    return ds


def _apply(ds: Dataset, uids: UidMap) -> None:
    for elem in list(ds):
        keyword = elem.keyword
        if elem.tag.is_private or (keyword not in KEEP and keyword not in EMPTY_IF_PRESENT):
            del ds[elem.tag]
        elif keyword in EMPTY_IF_PRESENT:
            elem.value = ""
        elif elem.VR == "SQ":
            for item in elem.value:
                _apply(item, uids)
        elif elem.VR == "UI" and keyword not in CLASS_UIDS and elem.value:
            if elem.VM > 1:
                elem.value = [uids(v) for v in elem.value]
            else:
                elem.value = uids(elem.value)


def _rebuild_file_meta(ds: Dataset) -> None:
    old = getattr(ds, "file_meta", None)
    meta = FileMetaDataset()
    sop_class = ds.get("SOPClassUID") or (old.get("MediaStorageSOPClassUID") if old else None)
    if sop_class:
        meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    if old is not None and "TransferSyntaxUID" in old:
        meta.TransferSyntaxUID = old.TransferSyntaxUID
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta = meta

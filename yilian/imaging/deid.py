"""De-identification of DICOM datasets by the Basic Application Level Confidentiality Profile
(DICOM PS3.15 Annex E, table E.1-1): each attribute that can identify the patient gets the
profile's action — D (replace with a dummy value), Z (empty), X (remove), U (replace the UID
consistently), K (keep) — private attributes are removed, every person name left anywhere
is emptied, and the dataset says it was de-identified and how.

The patient link is kept in Yilian's database (the study belongs to a request about a
patient), never in the files."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

METHOD = "DICOM PS3.15 E.1 Basic Application Level Confidentiality Profile"

# Attribute keyword -> action, for the attributes of Annex E table E.1-1 that occur in the
# studies Yilian receives. Where the profile allows several actions the strictest that keeps
# the file valid is used (a Type 2 attribute is emptied, not removed).
ACTIONS: dict[str, str] = {
    # Patient
    "PatientName": "Z",
    "PatientID": "Z",
    "PatientBirthDate": "Z",
    "PatientSex": "Z",
    "PatientBirthTime": "X",
    "PatientAge": "X",
    "PatientSize": "X",
    "PatientWeight": "X",
    "PatientAddress": "X",
    "PatientTelephoneNumbers": "X",
    "PatientMotherBirthName": "X",
    "OtherPatientIDs": "X",
    "OtherPatientIDsSequence": "X",
    "OtherPatientNames": "X",
    "PatientBirthName": "X",
    "MedicalRecordLocator": "X",
    "EthnicGroup": "X",
    "Occupation": "X",
    "AdditionalPatientHistory": "X",
    "PatientComments": "X",
    "MilitaryRank": "X",
    "BranchOfService": "X",
    "CountryOfResidence": "X",
    "RegionOfResidence": "X",
    "PatientInsurancePlanCodeSequence": "X",
    "PatientReligiousPreference": "X",
    "PregnancyStatus": "X",
    "IssuerOfPatientID": "X",
    "ResponsiblePerson": "X",
    "ResponsibleOrganization": "X",
    # Study and visit
    "StudyDate": "Z",
    "StudyTime": "Z",
    "AccessionNumber": "Z",
    "StudyID": "Z",
    "ReferringPhysicianName": "Z",
    "ReferringPhysicianAddress": "X",
    "ReferringPhysicianTelephoneNumbers": "X",
    "ReferringPhysicianIdentificationSequence": "X",
    "StudyDescription": "X",
    "SeriesDescription": "X",
    "PhysiciansOfRecord": "X",
    "PhysiciansOfRecordIdentificationSequence": "X",
    "PerformingPhysicianName": "X",
    "PerformingPhysicianIdentificationSequence": "X",
    "NameOfPhysiciansReadingStudy": "X",
    "PhysiciansReadingStudyIdentificationSequence": "X",
    "OperatorsName": "X",
    "OperatorIdentificationSequence": "X",
    "RequestingPhysician": "X",
    "RequestingService": "X",
    "AdmittingDiagnosesDescription": "X",
    "AdmissionID": "X",
    "CurrentPatientLocation": "X",
    "RequestAttributesSequence": "X",
    "ReferencedPatientSequence": "X",
    "ReferencedStudySequence": "X",
    "ReferencedPerformedProcedureStepSequence": "X",
    "PerformedProcedureStepID": "X",
    "PerformedProcedureStepDescription": "X",
    "PerformedProcedureStepStartDate": "X",
    "PerformedProcedureStepStartTime": "X",
    "ScheduledProcedureStepDescription": "X",
    "RequestedProcedureDescription": "X",
    # Equipment and institution
    "InstitutionName": "X",
    "InstitutionAddress": "X",
    "InstitutionalDepartmentName": "X",
    "StationName": "X",
    "DeviceSerialNumber": "X",
    "ProtocolName": "X",
    # Dates and times of the series and images
    "SeriesDate": "X",
    "SeriesTime": "X",
    "AcquisitionDate": "X",
    "AcquisitionTime": "X",
    "AcquisitionDateTime": "X",
    "ContentDate": "Z",
    "ContentTime": "Z",
    "InstanceCreationDate": "X",
    "InstanceCreationTime": "X",
    "OverlayDate": "X",
    "OverlayTime": "X",
    "CurveDate": "X",
    "CurveTime": "X",
    # Free text
    "ImageComments": "X",
    "DerivationDescription": "X",
    "TextComments": "X",
    "TextString": "X",
    "InterpretationText": "X",
    # Identifiers (UIDs) replaced consistently within a study
    "StudyInstanceUID": "U",
    "SeriesInstanceUID": "U",
    "SOPInstanceUID": "U",
    "FrameOfReferenceUID": "U",
    "ReferencedSOPInstanceUID": "U",
    "ReferencedFrameOfReferenceUID": "U",
    "IrradiationEventUID": "U",
    "InstanceCreatorUID": "U",
    "StorageMediaFileSetUID": "U",
    "SynchronizationFrameOfReferenceUID": "U",
    "UID": "U",
}


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


def deidentify(ds: Dataset, uids: UidMap) -> Dataset:
    """De-identify ``ds`` in place (and return it)."""
    ds.remove_private_tags()
    _apply(ds, uids)
    if "SOPInstanceUID" in ds and hasattr(ds, "file_meta"):
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
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
        action = ACTIONS.get(keyword)
        if action == "X":
            del ds[elem.tag]
            continue
        if action == "Z":
            elem.value = ""
            continue
        if action == "U" and elem.value:
            if elem.VM > 1:
                elem.value = [uids(v) for v in elem.value]
            else:
                elem.value = uids(elem.value)
            continue
        if elem.VR == "SQ":
            for item in elem.value:
                _apply(item, uids)
        elif elem.VR == "PN" and elem.value:
            # A person's name the table does not list (a new attribute, a vendor's use):
            # emptied all the same.
            elem.value = ""

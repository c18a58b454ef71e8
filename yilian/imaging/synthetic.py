"""Synthetic images made the way real ones are: a CT series written by pydicom (with the
identifying attributes a hospital's scanner fills in) and a pyramidal tiled TIFF written by
tifffile (the generic-TIFF layout OpenSlide reads). The demo data and the tests use them."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import tifffile
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

PATIENT_NAME = "ZHANG^SAN"
PATIENT_ID = "PID-7701234"

# What the scanner wrote about the patient and the people and places around them.
IDENTIFYING = {
    "PatientName": PATIENT_NAME,
    "PatientID": PATIENT_ID,
    "PatientBirthDate": "19620314",
    "PatientSex": "M",
    "PatientAge": "062Y",
    "PatientAddress": "桐庐县城南街道 12 号",
    "PatientTelephoneNumbers": "13700009999",
    "OtherPatientIDs": "MRN-55501",
    "PatientComments": "history of TB",
    "InstitutionName": "桐庐县人民医院",
    "InstitutionAddress": "桐庐县迎春南路",
    "ReferringPhysicianName": "LI^SI",
    "PerformingPhysicianName": "WANG^WU",
    "OperatorsName": "ZHAO^LIU",
    "StationName": "CT-ROOM-2",
    "DeviceSerialNumber": "SN-88123",
    "AccessionNumber": "ACC20261126001",
    "StudyID": "S-4471",
    "StudyDate": "20261120",
    "StudyTime": "101500",
    "SeriesDate": "20261120",
    "AcquisitionDate": "20261120",
    "ContentDate": "20261120",
    "StudyDescription": "CT CHEST ZHANG SAN",
    "SeriesDescription": "AXIAL 5mm",
    "ImageComments": "patient ZHANG SAN, bed 12",
}


def ct_series(count: int = 40, size: int = 64) -> list[bytes]:
    """A CT series of ``count`` axial slices (Part 10 files), one study, one series."""
    study_uid, series_uid, frame_uid = generate_uid(), generate_uid(), generate_uid()
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(yy - size / 2, xx - size / 2)
    out = []
    for i in range(count):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        sop_uid = generate_uid()
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = sop_uid
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: the Chinese names are really there
        ds.Modality = "CT"
        ds.Manufacturer = "Synthetic"
        ds.SeriesNumber = 2
        ds.InstanceNumber = i + 1
        for keyword, value in IDENTIFYING.items():
            setattr(ds, keyword, value)
        ref = Dataset()
        ref.ReferencedSOPClassUID = CTImageStorage
        ref.ReferencedSOPInstanceUID = sop_uid
        ds.SourceImageSequence = Sequence([ref])
        ds.ImagePositionPatient = [-160.0, -160.0, -200.0 + 5 * i]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SliceThickness = 5
        ds.PixelSpacing = [0.7, 0.7]
        ds.Rows = ds.Columns = size
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 1
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.WindowCenter = 40
        ds.WindowWidth = 400
        # A body (water) with lungs (air) and a spine (bone) that moves from slice to slice.
        hu = np.full((size, size), -1000, dtype=np.int16)
        hu[r < size * 0.45] = 40
        hu[(r < size * 0.15) & (xx < size / 2)] = -800
        hu[(np.abs(yy - size * 0.7 - i % 5) < 3) & (np.abs(xx - size / 2) < 3)] = 900
        ds.PixelData = (hu + 1024).astype(np.int16).tobytes()
        ds.add_new(0x00090010, "LO", "ACME PRIVATE")
        ds.add_new(0x00091001, "LO", f"{PATIENT_NAME} internal")
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        out.append(buffer.getvalue())
    return out


def pyramidal_tiff(path: Path, size: int = 2048, compression: str | None = "zlib") -> Path:
    """A tiled pyramidal RGB TIFF (full resolution plus halvings down to 256 px) with a
    0.5 µm pixel: what OpenSlide opens as ``generic-tiff``."""
    yy, xx = np.mgrid[0:size, 0:size]
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[..., 0] = (xx * 255 // size).astype(np.uint8)
    image[..., 1] = (yy * 255 // size).astype(np.uint8)
    image[..., 2] = (((xx // 64) + (yy // 64)) % 2 * 200).astype(np.uint8)
    with tifffile.TiffWriter(path) as tif:
        level = image
        first = True
        while True:
            tif.write(
                level,
                tile=(256, 256),
                photometric="rgb",
                compression=compression,
                subfiletype=0 if first else 1,
                resolution=(20000.0, 20000.0),
                resolutionunit="CENTIMETER",
            )
            first = False
            if level.shape[0] <= 256:
                break
            level = level[::2, ::2]
    return path

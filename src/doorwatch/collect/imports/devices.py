"""What a PCI or USB device is, from its class codes and name, and the features it brings.

Every importer (lspci, lsusb, osquery, CycloneDX) builds its device components
here, so a camera is a camera and a BMC a BMC whichever tool saw it.
Class codes are the PCI-SIG's and the USB-IF's; names only decide where the
class cannot (a Wi-Fi dongle reports the vendor-specific class 0xff).
"""

from __future__ import annotations

import re
from typing import Iterable

from doorwatch.collect.bmc import BMC_PCI_DEVICES, BMC_PCI_VENDORS
from doorwatch.collect.radio import WWAN_DRIVERS
from doorwatch.model import Component, Evidence, Feature

# Kind -> what the host cannot tell about it without asking the device itself (as the live collectors report).
_UNKNOWN_FEATURES = {"bmc": "ipmi-over-lan", "management-engine": "amt-provisioned"}
# Kind -> the feature a policy may forbid.
_KIND_FEATURES = {
    "camera": "camera",
    "microphone": "microphone",
    "bmc": "bmc",
    "management-engine": "management-engine",
    "location": "gnss",
}

_ME_DRIVERS = {"mei_me", "mei_txe", "mei-me", "mei-txe"}
_BMC_NAME = re.compile(r"\b(BMC|Baseboard Management|Integrated Lights.Out|iLO\d?|iDRAC|IPMI)\b", re.I)
_ME_NAME = re.compile(r"\b(MEI|HECI|Management Engine|Trusted Execution Engine|TXE|Active Management Technology|AMT|CSME|Converged Security)\b", re.I)
_CAMERA_NAME = re.compile(r"camera|webcam|\bUVC\b|Image Processing Unit|\bIPU\d", re.I)
_MICROPHONE_NAME = re.compile(r"microphone|\bmic\b|headset", re.I)
_BLUETOOTH_NAME = re.compile(r"bluetooth", re.I)
_WIFI_NAME = re.compile(r"wi-?fi|wireless (lan|network|adapter)|\bWLAN\b|802\.11", re.I)
_WWAN_NAME = re.compile(r"\b(WWAN|LTE|HSPA|UMTS|Mobile Broadband|XMM\s?\d+|Snapdragon X\d+|5G (NR|Modem|Module))\b", re.I)
_NFC_NAME = re.compile(r"\bNFC\b")
_GNSS_NAME = re.compile(r"\b(GPS|GNSS|u-blox)\b", re.I)


def pci_kind(class_code: str | None, pci_id: str, name: str, driver: str | None = None) -> str:
    """The component kind of a PCI function from its 4-hex-digit class (`0280`), `vvvv:dddd` id, name and driver."""
    code = (class_code or "").lower()
    base = code[:2]
    # A BMC chip's display function is the remote console's frame buffer (the live BMC collector's rule).
    if pci_id[:4] in BMC_PCI_VENDORS and base == "03" or pci_id in BMC_PCI_DEVICES or _BMC_NAME.search(name):
        return "bmc"
    if driver in _ME_DRIVERS or _ME_NAME.search(name) and base in ("07", "08", "10", "0c", ""):
        return "management-engine"
    if base == "03" or base == "04" and "GPU" in name:
        return "gpu"
    wireless_name = _WWAN_NAME.search(name) or _WIFI_NAME.search(name)
    if code == "0280" or base == "0d" or driver in WWAN_DRIVERS or wireless_name and base in ("02", "07", ""):
        return "radio"
    if base == "02":
        return "nic"
    if base == "04" and _CAMERA_NAME.search(name):
        return "camera"
    return "pci"


def radio_features(class_code: str | None, name: str, driver: str | None = None) -> set[str]:
    """Which radios a PCI radio function is: `wifi`, `bluetooth` or `wwan`."""
    code = (class_code or "").lower()
    found = set()
    if code == "0d11" or _BLUETOOTH_NAME.search(name):
        found.add("bluetooth")
    if code in ("0d40", "0d41") or driver in WWAN_DRIVERS or _WWAN_NAME.search(name):
        found.add("wwan")
    if code in ("0280", "0d20", "0d21") or _WIFI_NAME.search(name):
        found.add("wifi")
    return found or {"wifi"}


def pci_component(
    slot: str,
    *,
    class_code: str | None,
    class_name: str | None,
    vendor_id: str | None,
    device_id: str | None,
    name: str,
    properties: dict[str, object],
    subsystem: tuple[str, str] | None = None,
    prog_if: str | None = None,
) -> tuple[Component, list[Feature]]:
    """A PCI function and the features it brings.

    `slot` is normalised to sysfs's `DDDD:BB:DD.F`, and the 4-digit class with its
    programming interface to sysfs's `0xCCSSPP`, as the live PCI collector has them.
    """
    slot = slot if slot.count(":") == 2 else f"0000:{slot}"
    ids = {}
    if vendor_id and device_id:
        ids["pci"] = f"{vendor_id}:{device_id}".lower()
    elif vendor_id:
        ids["pci_vendor"] = vendor_id.lower()
    if subsystem:
        ids["pci_subsystem"] = f"{subsystem[0]}:{subsystem[1]}".lower()
    driver = properties.get("driver")
    kind = pci_kind(class_code, ids.get("pci", ids.get("pci_vendor", "")), name, driver if isinstance(driver, str) else None)
    component = Component(
        ref=f"pci:{slot}",
        kind=kind,
        category="hardware",
        name=name,
        ids=ids,
        properties=_present({"address": slot, "class": f"0x{class_code}{prog_if or '00'}" if class_code else None, "class_name": class_name, **properties}),
    )
    extra = radio_features(class_code, name, driver if isinstance(driver, str) else None) if kind == "radio" else set()
    return component, features_of(component, extra)


# (class, subclass, protocol) of USB functions; None matches any value.
_USB_VIDEO = (0x0E, None, None)
_USB_AUDIO = (0x01, None, None)
_USB_BLUETOOTH = (0xE0, 0x01, 0x01)
_USB_MBIM = (0x02, 0x0E, None)  # CDC Mobile Broadband Interface Model: a cellular modem


def _has(functions: set[tuple[int, int | None, int | None]], wanted: tuple[int, int | None, int | None]) -> bool:
    return any(all(want is None or want == got for want, got in zip(wanted, function)) for function in functions)


def usb_kind(functions: Iterable[tuple[int, int | None, int | None]], name: str, has_capture: bool) -> tuple[str, set[str]]:
    """Kind and features of a USB device from its functions' classes and its name.

    `functions` holds the (class, subclass, protocol) of the device and of every
    interface and interface association; `has_capture` is true when an audio
    function has an input terminal that is not a USB stream (a microphone, a line in).
    Without classes (plain `lsusb`) the name alone decides.
    """
    functions = set(functions)
    features: set[str] = set()
    if _has(functions, _USB_VIDEO) or _CAMERA_NAME.search(name):
        features.add("camera")
    if has_capture or (not functions or _has(functions, _USB_AUDIO)) and _MICROPHONE_NAME.search(name):
        features.add("microphone")
    if _has(functions, _USB_BLUETOOTH) or _BLUETOOTH_NAME.search(name):
        features.add("bluetooth")
    if _WIFI_NAME.search(name):
        features.add("wifi")
    if _has(functions, _USB_MBIM) or _WWAN_NAME.search(name):
        features.add("wwan")
    if _NFC_NAME.search(name):
        features.add("nfc")
    if _GNSS_NAME.search(name):
        features.add("gnss")
    if _BMC_NAME.search(name):
        features.add("bmc")
    for kind, feature in (("camera", "camera"), ("microphone", "microphone"), ("bmc", "bmc"), ("location", "gnss")):
        if feature in features:
            return kind, features
    if features & {"bluetooth", "wifi", "wwan", "nfc"}:
        return "radio", features
    return "usb", features


def usb_component(
    ref: str,
    *,
    vendor_id: str,
    product_id: str,
    name: str,
    described_as: str | None = None,
    functions: Iterable[tuple[int, int | None, int | None]] = (),
    has_capture: bool = False,
    properties: dict[str, object] | None = None,
) -> tuple[Component, list[Feature]]:
    """A USB device and the features it brings; `described_as` (name and reported strings) is what names are matched in."""
    kind, features = usb_kind(functions, described_as or name, has_capture)
    component = Component(
        ref=ref,
        kind=kind,
        category="hardware",
        name=name or f"USB device {vendor_id}:{product_id}",
        ids={"usb": f"{vendor_id}:{product_id}".lower()},
        properties=_present(properties or {}),
    )
    return component, features_of(component, features)


def features_of(component: Component, extra: Iterable[str] = (), seen: Evidence | None = None) -> list[Feature]:
    """The features a component brings: its kind's own, plus `extra` (radios, a webcam's microphone).

    The evidence is `seen`, or else the component's first id (`pci 1a03:2000`) or its name.
    """
    wanted = set(extra)
    if component.kind in _KIND_FEATURES:
        wanted.add(_KIND_FEATURES[component.kind])
    id_kind, id_value = next(iter(component.ids.items()), ("name", component.name))
    evidence = [seen or Evidence(kind=id_kind, value=id_value, detail=component.name)]
    found = [Feature(id=feature, component=component.ref, state="present", evidence=evidence) for feature in sorted(wanted)]
    if component.kind in _UNKNOWN_FEATURES:
        found.append(Feature(id=_UNKNOWN_FEATURES[component.kind], component=component.ref, state="unknown"))
    return found


def _present(values: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in values.items() if value not in (None, "", [])}

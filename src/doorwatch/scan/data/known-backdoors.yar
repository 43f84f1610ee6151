// Documented backdoors, written from public advisories and write-ups.
// Each rule's meta: `title` (shown to the user), `severity`, `source` (where it was documented),
// optionally `constants`: the documented magic values, shown as evidence.
// These supplement the structural analysis, which finds triggers nobody has documented yet.

rule dlink_xmlset_user_agent {
    meta:
        title = "D-Link web server: admin access for the User-Agent xmlset_roodkcableoj28840ybtide"
        severity = "critical"
        source = "D-Link DIR-100/DI-524 thttpd advisory, October 2013"
    strings:
        $ua = "xmlset_roodkcableoj28840ybtide"
    condition:
        $ua
}

rule tenda_w302r_mfg {
    meta:
        title = "Tenda MFG backdoor: UDP 7329 command service keyed by w302r_mfg"
        severity = "critical"
        source = "Tenda W302R/W330R firmware analysis, October 2013"
    strings:
        $key = "w302r_mfg"
    condition:
        $key
}

rule netcore_igdmptd {
    meta:
        title = "Netis/Netcore igdmptd: UDP 53413 service with the password netcore"
        severity = "critical"
        source = "Netis/Netcore router backdoor disclosure, August 2014"
    strings:
        $pass = "netcore" fullword
        $daemon = "igdmptd"
    condition:
        $daemon or ($pass and uint32(0) == 0x464c457f and filesize < 1MB)
}

rule bpfdoor_filter {
    meta:
        title = "BPFDoor: packet filter waking on the magic values 0x7255 / 0x5293"
        severity = "critical"
        source = "BPFDoor analyses (PwC, Sandfly, Elastic, Rapid7), 2022"
        constants = "0x7255 0x5293"
    strings:
        $jeq_7255 = { 15 00 ?? ?? 55 72 00 00 }
        $jeq_5293 = { 15 00 ?? ?? 93 52 00 00 }
        $jeq_39393 = { 15 00 ?? ?? 39 39 00 00 }
        $jeq_7255_be = { 00 15 ?? ?? 00 00 72 55 }
        $jeq_5293_be = { 00 15 ?? ?? 00 00 52 93 }
        $pid1 = "/var/run/haldrund.pid"
        $pid2 = "/var/run/hald-smartd.pid"
        $shm = "/dev/shm/kdmtmpflush"
        $fake = "hald-addon-acpi: listening on acpi kernel interface /proc/acpi/event"
    condition:
        ($jeq_7255 and ($jeq_5293 or $jeq_39393)) or ($jeq_7255_be and $jeq_5293_be) or $pid1 or $pid2 or $shm or $fake
}

rule xz_liblzma_backdoored_release {
    meta:
        title = "xz-utils liblzma 5.6.0/5.6.1: release with the sshd authentication backdoor (CVE-2024-3094)"
        severity = "critical"
        source = "CVE-2024-3094, openwall oss-security, March 2024"
    strings:
        $lzma = "lzma_code"
        $v560 = "5.6.0" fullword
        $v561 = "5.6.1" fullword
        $ifunc = "crc64_resolve"
    condition:
        uint32(0) == 0x464c457f and $lzma and ($v560 or $v561) and ($ifunc or filesize < 400KB)
}

rule sercomm_scmm_32764 {
    meta:
        title = "Sercomm TCP 32764 configuration service (ScMM / MMcS protocol)"
        severity = "critical"
        source = "Sercomm router backdoor disclosure (Eloi Vanderbeken), December 2013"
    strings:
        $magic_be = "ScMM"
        $magic_le = "MMcS"
        $port = "32764"
    condition:
        uint32(0) == 0x464c457f and ($magic_be or $magic_le) and ($port or ($magic_be and $magic_le) or filesize < 200KB)
}

rule juniper_screenos_auth {
    meta:
        title = "Juniper ScreenOS: master password hidden in an authentication log format"
        severity = "critical"
        source = "Juniper ScreenOS CVE-2015-7755 analysis (Rapid7), December 2015"
    strings:
        $fmt = "<<< %s(un='%s') = %u"
    condition:
        $fmt
}

rule fortinet_fortios_ssh {
    meta:
        title = "FortiOS: hard-coded SSH challenge-response secret"
        severity = "critical"
        source = "FortiOS SSH undocumented interactive login, January 2016"
    strings:
        $secret = "FGTAbc11*xy+Qqz27"
    condition:
        $secret
}

rule hikvision_auth_key {
    meta:
        title = "Hikvision camera: magic authentication parameter admin:11 (CVE-2017-7921)"
        severity = "critical"
        source = "Hikvision IP camera improper authentication advisory, 2017"
    strings:
        $key = "YWRtaW46MTEK"
    condition:
        $key
}

rule isp_superadmin_credentials {
    meta:
        title = "Huawei/ZTE gateway: hard-coded ISP super-administrator and telnet-enable credentials"
        severity = "high"
        source = "public ISP gateway credential disclosures (telecomadmin / nE7jA%5m / Zte521)"
    strings:
        $user = "telecomadmin"
        $pass1 = "nE7jA%5m"
        $pass2 = "admintelecom"
        $zte = "Zte521"
    condition:
        ($user and ($pass1 or $pass2)) or $zte
}

rule zyxel_zyfwp {
    meta:
        title = "Zyxel firewall: hard-coded account zyfwp (CVE-2020-29583)"
        severity = "critical"
        source = "Zyxel CVE-2020-29583 advisory, December 2020"
    strings:
        $pass = "PrOw!aN_fXp"
    condition:
        $pass
}

rule netgear_telnetenable {
    meta:
        title = "Netgear telnetenable: telnet opened by a magic UDP/TCP packet"
        severity = "high"
        source = "Netgear telnetenable protocol write-ups"
    strings:
        $key1 = "Geardog"
        $key2 = "Gearguy"
        $probe = "telnetenabled"
    condition:
        ($key1 or $key2) and $probe
}

rule xiongmai_telnet {
    meta:
        title = "Xiongmai DVR/NVR: hard-coded telnet passwords and the OpenTelnet:OpenOnce command"
        severity = "critical"
        source = "Xiongmai firmware analyses (SEC Consult 2018, Mirai credential lists)"
    strings:
        $cmd = "OpenTelnet:OpenOnce"
        $p1 = "xmhdipc"
        $p2 = "7ujMko0admin"
    condition:
        $cmd or ($p1 and $p2)
}

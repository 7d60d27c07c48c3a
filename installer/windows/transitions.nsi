; Transitions: Windows installer (NSIS 3, Modern UI 2, MultiUser).
;
; installer/build.py compiles this over the one-folder PyInstaller build:
;   makensis /DVERSION=0.1.0 /DVIVERSION=0.1.0.0 /DPUBLISHER=... /DSRCDIR=...\dist\transitions
;            /DOUTFILE=...\Transitions-0.1.0-windows-x64-setup.exe /DICON=...\transitions.ico
;            transitions.nsi
;
; Command line (for IT staff; see docs/install.md):
;   setup.exe /S                  silent; per machine when run as an administrator, else per user
;   setup.exe /S /AllUsers        silent, per machine (Program Files; needs an administrator)
;   setup.exe /S /CurrentUser     silent, per user (%LOCALAPPDATA%\Programs\Transitions)
;   setup.exe /S /D=C:\Path       silent, into C:\Path (must be the last option)
;   uninstall.exe /S              silent uninstall; records are kept
;   uninstall.exe /S /REMOVEDATA  silent uninstall that also removes the running user's records
;
; Records live per Windows user in %LOCALAPPDATA%\Transitions\Transitions (platformdirs'
; user_data_dir("Transitions", "Transitions")). Uninstalling keeps them unless the user ticks
; "Also remove my records" (or passes /REMOVEDATA); only the uninstalling user's folder is removed.

; /DTARGET=amd64-unicode makes a 64-bit installer (the app is 64-bit only). windows_build.py uses
; it: Debian's NSIS has the amd64 stubs and Wine's 64-bit-only build (the `wine64` package) runs
; no 32-bit program. The official Windows NSIS has only the x86 stubs, so the default stays x86.
!ifdef TARGET
  Target ${TARGET}
!endif
Unicode True
; /DCOMPRESSION=off makes a quick, uncompressed build (build.py uses it for the Linux validation
; compile); releases use solid LZMA.
!ifndef COMPRESSION
  !define COMPRESSION lzma
!endif
!if "${COMPRESSION}" == "off"
  SetCompress off
!else
  SetCompressor /SOLID ${COMPRESSION}
!endif

!ifndef VERSION
  !error "Pass /DVERSION=x.y.z (installer/build.py reads it from pyproject.toml)."
!endif
!ifndef VIVERSION
  !error "Pass /DVIVERSION=a.b.c.d, the version as four numbers."
!endif
!ifndef SRCDIR
  !error "Pass /DSRCDIR=<the one-folder build, dist\transitions>."
!endif
!ifndef OUTFILE
  !define OUTFILE "Transitions-${VERSION}-windows-x64-setup.exe"
!endif
!ifndef PUBLISHER
  !define PUBLISHER "Transitions project"
!endif
!ifndef ICON
  !define ICON "..\assets\transitions.ico"
!endif

!define APPNAME "Transitions"
!define CLI_EXE "transitions-app.exe"   ; console: command line, scripts, selftest
!define GUI_EXE "Transitions.exe"       ; no console window: what the shortcuts open
!define UNINSTALLER "uninstall.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPNAME}"
!define SETTINGS_KEY "Software\${APPNAME}\Installer"
; platformdirs.user_data_dir("Transitions", "Transitions") and QSettings("Transitions", ...)
!define DATA_PARENT "Transitions"
!define DATA_SUBDIR "${DATA_PARENT}\Transitions"
!define QSETTINGS_KEY "Software\Transitions\Transitions"

Name "${APPNAME} ${VERSION}"
OutFile "${OUTFILE}"
BrandingText "${APPNAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VIVERSION}"
VIFileVersion "${VIVERSION}"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "FileDescription" "${APPNAME} ${VERSION} setup"
VIAddVersionKey "LegalCopyright" "${PUBLISHER}"

; ------------------------------------------------------------------ per machine or per user
!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APPNAME}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${SETTINGS_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallDir"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${SETTINGS_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallMode"

!include MultiUser.nsh
!include MUI2.nsh
!include nsDialogs.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include x64.nsh

; ------------------------------------------------------------------ pages
!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TITLE "Install ${APPNAME} ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "This installs ${APPNAME} ${VERSION}, for writing, signing, sharing and verifying early years transition records.$\r$\n$\r$\nYou can install it for everyone who uses this computer (needs an administrator) or just for you.$\r$\n$\r$\nRecords are kept separately for each Windows user and are not touched by installing or upgrading.$\r$\n$\r$\n$_CLICK"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_UNPAGE_FINISH

!insertmacro MUI_LANGUAGE "English"

; ------------------------------------------------------------------ install
; The app is 64-bit: its registry entries go to the 64-bit view. A 64-bit installer is always in
; it (and x64.nsh's RunningX64 test is then a constant whose Else branch makensis warns about).
!macro REGISTRY_VIEW_64
  !if ${NSIS_PTR_SIZE} > 4
    SetRegView 64
  !else
    ${If} ${RunningX64}
      SetRegView 64
    ${EndIf}
  !endif
!macroend

Function .onInit
  !insertmacro REGISTRY_VIEW_64
  !insertmacro MULTIUSER_INIT
FunctionEnd

Section "${APPNAME} ${VERSION} (required)" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the whole runtime folder so no file of the old version lingers. Only a
  ; folder that holds our executable is treated as a previous install.
  ${If} ${FileExists} "$INSTDIR\${CLI_EXE}"
  ${AndIf} ${FileExists} "$INSTDIR\_internal\*.*"
    RMDir /r "$INSTDIR\_internal"
  ${EndIf}
  File /r "${SRCDIR}\*"
  WriteUninstaller "$INSTDIR\${UNINSTALLER}"

  WriteRegStr SHCTX "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr SHCTX "${SETTINGS_KEY}" "InstallMode" "$MultiUser.InstallMode"

  ; Add/Remove Programs ("Apps & features")
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayName" "${APPNAME}"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE},0"
  WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINST_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD SHCTX "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Start menu shortcut" SecStartMenu
  CreateShortcut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
SectionEnd

Section "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "The ${APPNAME} ${VERSION} program files."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecStartMenu} "Open ${APPNAME} from the Start menu."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "Open ${APPNAME} from a desktop icon."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

; ------------------------------------------------------------------ uninstall
Var RemoveData
Var DataDir
Var DataParent
Var RemoveDataCheckbox

Function un.onInit
  !insertmacro REGISTRY_VIEW_64
  !insertmacro MULTIUSER_UNINIT
  ; The records belong to the Windows user running the uninstaller, whatever the install mode.
  SetShellVarContext current
  StrCpy $DataDir "$LOCALAPPDATA\${DATA_SUBDIR}"
  StrCpy $DataParent "$LOCALAPPDATA\${DATA_PARENT}"
  ${If} $MultiUser.InstallMode == "AllUsers"
    SetShellVarContext all
  ${EndIf}
  StrCpy $RemoveData 0
  ${un.GetParameters} $0
  ClearErrors
  ${un.GetOptions} $0 "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    StrCpy $RemoveData 1
  ${EndIf}
FunctionEnd

Function un.DataPage
  !insertmacro MUI_HEADER_TEXT "Your records" "Keep or remove the records stored on this computer."
  nsDialogs::Create 1018
  Pop $0
  ${If} $0 == error
    Abort
  ${EndIf}
  ${NSD_CreateLabel} 0 0 100% 64u "${APPNAME} keeps your records, encrypted, in$\r$\n$DataDir$\r$\n$\r$\nThey are kept when you uninstall, so that installing ${APPNAME} again finds them. Only remove them if they have been exported or backed up: removed records cannot be recovered."
  Pop $0
  ${NSD_CreateCheckbox} 0 72u 100% 12u "Also remove my records (the vault, its backups and my ${APPNAME} settings)"
  Pop $RemoveDataCheckbox
  ${If} $RemoveData == 1
    ${NSD_Check} $RemoveDataCheckbox
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $RemoveDataCheckbox $0
  ${If} $0 == ${BST_CHECKED}
    MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 "Remove all your ${APPNAME} records from this computer? This cannot be undone." IDYES confirmed
    Abort ; stay on the page
    confirmed:
    StrCpy $RemoveData 1
  ${Else}
    StrCpy $RemoveData 0
  ${EndIf}
FunctionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$DESKTOP\${APPNAME}.lnk"

  ; Remove only what the installer put there, never the folder's other contents.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\${GUI_EXE}"
  Delete "$INSTDIR\${UNINSTALLER}"
  RMDir "$INSTDIR"

  DeleteRegKey SHCTX "${UNINST_KEY}"
  DeleteRegKey SHCTX "${SETTINGS_KEY}"
  DeleteRegKey /ifempty SHCTX "Software\${APPNAME}"

  ${If} $RemoveData == 1
    DetailPrint "Removing the records in $DataDir"
    RMDir /r "$DataDir"
    RMDir "$DataParent" ; only if nothing else is in it
    DeleteRegKey HKCU "${QSETTINGS_KEY}"
    DeleteRegKey /ifempty HKCU "Software\Transitions"
  ${Else}
    DetailPrint "Kept the records in $DataDir"
  ${EndIf}
SectionEnd

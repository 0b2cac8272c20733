from typing import Any

from django import forms

MAX_BUNDLE_BYTES = 200 * 1024 * 1024


class CaseBundleForm(forms.Form):
    """The upload on the case import page: a .zip holding the bundle's CSV files."""

    bundle = forms.FileField(
        label="Case bundle (.zip)",
        error_messages={
            "required": "Choose a .zip file holding the bundle",
            "empty": "The chosen file is empty",
        },
    )

    def clean_bundle(self) -> Any:
        upload = self.cleaned_data["bundle"]
        if upload.size is not None and upload.size > MAX_BUNDLE_BYTES:
            raise forms.ValidationError(
                f"The file must be smaller than {MAX_BUNDLE_BYTES // 2**20} MB"
            )
        return upload

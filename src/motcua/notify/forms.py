from django import forms


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label="Thư điện tử", required=False)
    sms = forms.BooleanField(label="Tin nhắn SMS (không dấu)", required=False)
    zalo = forms.BooleanField(label="Zalo", required=False)

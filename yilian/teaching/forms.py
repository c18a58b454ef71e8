from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Course, LessonKind


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )

    @classmethod
    def for_course(cls, course: Course) -> CourseForm:
        return cls(
            initial={
                "title": course.title,
                "description": course.description,
                "category": course.category,
            }
        )


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=LessonKind.choices)
    duration_seconds = forms.IntegerField(
        label=_("Duration (seconds, videos)"), min_value=0, required=False
    )
    file = forms.FileField(label=_("File (MP4 video or PDF)"))


class ProgressForm(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=24 * 3600)
    finished = forms.BooleanField(required=False)

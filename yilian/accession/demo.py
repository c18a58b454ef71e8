"""Demo data of hospital accession (a step of ``seed_demo``): the default capability
questionnaire. (The demo alliance's member set stays as the plan describes; a new
application is one visit to the public page ``/join/``.) A second run creates nothing."""

from __future__ import annotations

from yilian.orgs.demo import SeedContext, register_step

from . import services


def seed_accession(ctx: SeedContext) -> int:
    return services.install_default_questionnaire()


register_step("accession", seed_accession)

"""site_builder: the social-work station evaluation rules as code, and the website built from them.

Layers, each importing only from those below it (tests/test_layers.py checks it):

    commands/  the command line
    site/      the website: pages, MkDocs plugin, rendering, search, PDF, publishing
    records/   the repository's sources: schema, station records, privacy, caches, the repository loader
    language/  the rule language: grammar, parser, checks, rule sets, evaluation
    errors.py  source positions and every kind of error

The public API below is what other Python code may rely on; everything else may move.
"""

from .errors import (
    BandError,
    CycleError,
    DuplicateName,
    EvaluationError,
    HeaderError,
    Problems,
    RecordError,
    RecordWarning,
    RuleSyntaxError,
    RuleTypeError,
    SiteBuilderError,
    SourcePos,
    StageError,
    UndefinedName,
    WeightError,
)
from .language.checks import check_rules
from .language.evaluate import Inputs, Result, evaluate
from .language.parser import parse_rules
from .language.ruleset import RuleSet
from .records.project import Project, load_project

__all__ = [
    "load_project",
    "Project",
    "parse_rules",
    "check_rules",
    "RuleSet",
    "evaluate",
    "Inputs",
    "Result",
    "SourcePos",
    "SiteBuilderError",
    "Problems",
    "RuleSyntaxError",
    "UndefinedName",
    "DuplicateName",
    "RuleTypeError",
    "WeightError",
    "BandError",
    "CycleError",
    "StageError",
    "HeaderError",
    "EvaluationError",
    "RecordError",
    "RecordWarning",
]

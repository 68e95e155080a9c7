"""The compiled part of the package: `matching/_kernels.pyx` (everything else is in pyproject.toml)."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("matching._kernels", ["matching/_kernels.pyx"])],
        compiler_directives={"language_level": "3"},
    )
)

from setuptools import find_packages, setup

setup(
    name="orderb2b",
    version="0.1.0",
    description="Order integration hub and CRM for B2B and government resellers",
    python_requires=">=3.11",
    packages=find_packages(include=["core*", "adapters*", "mail*", "hub*", "admin_web*"]),
    package_data={
        "core.storage": ["migrations/*.py", "migrations/versions/*.py", "alembic.ini"],
        "hub.http": ["templates/*/*.html"],
        "hub.printing": ["templates/*.html"],
        "mail": ["templates/*.html", "templates/*.txt"],
    },
    data_files=[],
    include_package_data=True,
    install_requires=[
        "twisted>=24.7,<27",
        "sqlalchemy>=2.0.30,<2.2",
        "psycopg[binary]>=3.1,<3.4",
        "alembic>=1.13,<1.21",
        "lxml>=5.0,<7",
        "pika>=1.3,<1.5",
        "jinja2>=3.1,<3.2",
        "orjson>=3.9,<4",
        "cryptography>=42,<51",
        "argon2-cffi>=23.1,<26",
        "tzdata>=2024.1",
        "weasyprint>=66,<71",
        "zeep>=4.2,<5",
    ],
    extras_require={
        "test": [
            "pytest>=8,<10",
            "pytest-timeout>=2.3,<3",
            "jsonschema>=4.20,<5",
            "openapi-spec-validator>=0.7,<0.10",
            "import-linter>=2.0,<3",
            "ruff>=0.6,<1",
        ],
    },
    entry_points={"console_scripts": ["orderb2b=hub.cli:main"]},
)

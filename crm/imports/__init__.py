"""CSV imports of customers and orders.

`crm.imports.importers` holds customers_import and orders_import, `crm.imports.reading`
the file reading and value parsing, `crm.imports.columns` the columns and modes. This
package module imports none of them, so crm.services can use the columns without a
cycle (the importers use crm.services).
"""

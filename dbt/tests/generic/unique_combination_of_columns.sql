{#-
    Fails on every combination of the given columns that occurs more than once: the test for a
    composite key (the grain of a model or source). Rows with nulls in the key are compared as
    equal, so a null key part that repeats is reported too.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set kolom = combination_of_columns | join(', ') %}

select
    {{ kolom }},
    count(*) as jumlah_baris
from {{ model }}
group by {{ kolom }}
having count(*) > 1

{% endtest %}

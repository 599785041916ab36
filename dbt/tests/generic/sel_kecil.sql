{#-
    The small-cell rule on one published count of people (a column with meta `hitungan_orang`):
    fails on every row that shows between 1 and (ambang_minimum - 1) people
    (reference.ref_ambang_sel_kecil), and on a threshold below 3. Zero is not a person and may
    show; a suppressed cell is null.
-#}
{% test sel_kecil(model, column_name) %}

with

ambang as (

    select ambang_minimum from {{ ref('ref_ambang_sel_kecil') }}
    where kode_aturan = 'sel_kecil'

)

select
    {{ column_name }} as jumlah_orang,
    ambang.ambang_minimum
from {{ model }}
cross join ambang
where
    {{ column_name }} > 0
    and {{ column_name }} < greatest(ambang.ambang_minimum, 3)

{% endtest %}

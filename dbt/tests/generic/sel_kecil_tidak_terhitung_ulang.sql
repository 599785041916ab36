{#-
    Secondary suppression holds: in every margin of the table (each group of `garis`, i.e. the
    cells that add up to one published or derivable total), a suppressed cell is never the only
    suppressed one while another cell of the same total shows (it could be recomputed as the
    total minus the rest). `garis` is a list of column lists; `disembunyikan` the boolean flag.
-#}
{% test sel_kecil_tidak_terhitung_ulang(model, garis, disembunyikan) %}

with

sel as (

    select * from {{ model }}

)

{% for kolom in garis -%}
    select
        '{{ kolom | join(", ") }}' as garis,
        {{ kolom | join(" || '|' || ") }} as total,
        count(*) filter (where {{ disembunyikan }}) as sel_tersembunyi,
        count(*) filter (where not {{ disembunyikan }}) as sel_terlihat
    from sel
    group by {{ kolom | join(", ") }}
    having
        count(*) filter (where {{ disembunyikan }}) = 1
        and count(*) filter (where not {{ disembunyikan }}) > 0
    {% if not loop.last %}union all{% endif %}
{% endfor %}

{% endtest %}

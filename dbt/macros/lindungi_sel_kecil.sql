{#-
    Small-cell suppression (UU PDP; threshold in seed ref_ambang_sel_kecil). Emits CTEs, to be
    placed after a CTE named `sumber` that has one row per cell (`kunci`), a count of people
    `hitungan` and the columns of every list in `garis`. The last CTE, `terlindungi`, is
    `sumber` plus:

    - `is_disembunyikan`: primary (0 < hitungan < ambang) or secondary (see below);
    - `alasan_disembunyikan`: why, in Indonesian (null when shown).

    Secondary: `garis` lists the margins (each a list of columns whose groups add up to a total
    that is published or derivable). In any group with exactly one hidden cell, the next
    smallest shown cell is hidden too; repeated `putaran` times (each pass may create a new lone
    hidden cell in another margin). The generic test `sel_kecil_tidak_terhitung_ulang` fails
    when the passes were not enough, so the gate blocks the publish rather than leak.
    The model nulls the count and every money column where `is_disembunyikan`.
-#}
{% macro lindungi_sel_kecil(hitungan, kunci, garis, putaran=10) %}
ambang_sel as (

    select max(ambang_minimum) as ambang_minimum
    from {{ ref('ref_ambang_sel_kecil') }}
    where kode_aturan = 'sel_kecil'

),

sel_0 as (

    select
        sumber.*,
        row_number() over (order by {{ kunci | join(', ') }}) as _id_sel,
        coalesce(
            sumber.{{ hitungan }} > 0 and sumber.{{ hitungan }} < ambang_sel.ambang_minimum, false
        ) as _primer,
        coalesce(
            sumber.{{ hitungan }} > 0 and sumber.{{ hitungan }} < ambang_sel.ambang_minimum, false
        ) as _tersembunyi
    from sumber
    cross join ambang_sel

),

{% for i in range(putaran) %}
    sel_{{ i + 1 }} as (

        select
            * replace (
                _tersembunyi
                {% for kolom in garis -%}
                    or (
                        count(*) filter (where _tersembunyi) over (
                            partition by {{ kolom | join(', ') }}
                        ) = 1
                        and row_number() over (
                            partition by {{ kolom | join(', ') }}
                            order by _tersembunyi desc, {{ hitungan }} asc, _id_sel asc
                        ) = 2
                    )
                {% endfor -%}
                as _tersembunyi
            )
        from sel_{{ i }}

    ),

{% endfor %}
terlindungi as (

    select
        sel.* exclude (_id_sel, _primer, _tersembunyi),
        sel._tersembunyi as is_disembunyikan,
        case
            when sel._primer
                then 'kurang dari ' || ambang_sel.ambang_minimum
                    || ' orang: tidak diterbitkan (UU PDP, ref_ambang_sel_kecil)'
            when sel._tersembunyi
                then 'disembunyikan pelengkap: sel ini bersama sel kecil lain membentuk '
                    || 'satu total, jadi sel kecil tidak bisa dihitung ulang'
        end as alasan_disembunyikan
    from sel_{{ putaran }} as sel
    cross join ambang_sel

)
{% endmacro %}

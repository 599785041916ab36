{#- Columns and types come from the contract (macro contract_columns, generated). The pemda is
    named by its file (Kota_Blitar, Blitar, Surabaya, or a DJPK code 13.37): resolved here to one
    ref_pemda row, in this order: the DJPK code, the exact name, 'Kabupaten <name>', 'Kota <name>'
    (the portal names a kabupaten by its bare name and a kota by 'Kota <name>' unless no kabupaten
    shares it: Surabaya, Batu). A name that matches no pemda or several at its first matching step
    stays unresolved (kode_pemda empty, status_pemda says why), never guessed. -#}
with

source as (

    select * from {{ source('djpk', 'portal_apbd') }}

),

renamed as (

    select
        {{ contract_columns('djpk', 'portal_apbd') }}
    from source

),

pemda as (

    select
        kode_pemda,
        nama_pemda,
        kode_djpk,
        lower(nama_pemda) as nama
    from {{ ref('ref_pemda') }}
    where jenis in ('kabupaten', 'kota')

),

calon as (

    select
        berkas.pemda,
        pemda.kode_pemda,
        pemda.kode_djpk,
        case
            when berkas.nama_berkas = pemda.kode_djpk then 1
            when berkas.nama_berkas = pemda.nama then 2
            when 'kabupaten ' || berkas.nama_berkas = pemda.nama then 3
            when 'kota ' || berkas.nama_berkas = pemda.nama then 4
        end as langkah
    from (
        select distinct
            pemda,
            lower(trim(replace(pemda, '_', ' '))) as nama_berkas
        from renamed
    ) as berkas
    inner join pemda
        on berkas.nama_berkas in (
                pemda.kode_djpk, pemda.nama, replace(pemda.nama, 'kabupaten ', ''),
                replace(pemda.nama, 'kota ', '')
            )

),

terpilih as (

    select
        pemda,
        count(*) as jumlah_calon,
        any_value(kode_pemda) as kode_pemda,
        any_value(kode_djpk) as kode_djpk
    from calon
    where langkah is not null
    group by pemda, langkah
    qualify langkah = min(langkah) over (partition by pemda)

)

select
    renamed.*,
    case when terpilih.jumlah_calon = 1 then terpilih.kode_pemda end as kode_pemda,
    case when terpilih.jumlah_calon = 1 then terpilih.kode_djpk end as kode_djpk,
    case
        when terpilih.jumlah_calon = 1 then 'dikenali'
        when terpilih.jumlah_calon > 1 then 'nama_ganda'
        else 'tidak_dikenal'
    end as status_pemda
from renamed
left join terpilih
    on renamed.pemda = terpilih.pemda
